/** Bounded JSON fetches for JWKS and introspection: a time limit, a size limit, no redirects. */

export class FetchJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FetchJsonError";
  }
}

export const MAX_JSON_BYTES = 256 * 1024;

/** Fetches `url` and parses a JSON object from it; throws {@link FetchJsonError} on anything else. */
export async function fetchJson(
  url: string,
  init: RequestInit & { timeoutMs: number; maxBytes?: number },
): Promise<Record<string, unknown>> {
  const maxBytes = init.maxBytes ?? MAX_JSON_BYTES;
  const signal = AbortSignal.timeout(init.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal, redirect: "error" });
  } catch (e) {
    throw new FetchJsonError(
      signal.aborted ? `timed out after ${init.timeoutMs} ms` : `unreachable (${(e as Error).name})`,
    );
  }
  try {
    if (!res.ok) throw new FetchJsonError(`HTTP ${res.status}`);
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > maxBytes) throw new FetchJsonError(`response larger than ${maxBytes} bytes`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        total += chunk.byteLength;
        if (total > maxBytes) throw new FetchJsonError(`response larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw new FetchJsonError("response is not JSON");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw new FetchJsonError("response is not a JSON object");
    return parsed as Record<string, unknown>;
  } catch (e) {
    if (e instanceof FetchJsonError) throw e;
    throw new FetchJsonError(signal.aborted ? `timed out after ${init.timeoutMs} ms` : "response could not be read");
  } finally {
    if (!res.bodyUsed) await res.body?.cancel().catch(() => {});
  }
}
