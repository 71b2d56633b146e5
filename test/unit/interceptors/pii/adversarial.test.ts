/**
 * Hostile input: 1 MiB strings made of repeated near-matches for every detector rule. Each must
 * come back (with the right answer) well inside the test's timeout; a super-linear regex would
 * take minutes on this size. Timings are printed by bench/detect/pii.ts, not asserted here.
 */
import { describe, expect, test } from "bun:test";
import { findSecrets } from "../../../../src/interceptors/pii/redact.ts";

const MIB = 1024 * 1024;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(MIB / unit.length)).slice(0, MIB);
}

/** Near-matches: each is one character short of, or one character off, a real finding. */
const NEAR_MISSES: Record<string, string> = {
  aws_access_key_id: "AKIA4QDJ3WC3SJD5WYE ",
  aws_access_key_run: "AKIAAKIAAKIAAKIAAKIA1",
  aws_secret_access_key: "aws_secret_access_key=dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ ",
  aws_secret_glued: "secret_access_key:",
  github_token: "ghp_",
  github_token_body: "ghp_TlcIN3z6gBBzoCWOeoaTTHlzrWMLvq0Xja ",
  github_fine_grained_pat: "github_pat_",
  gitlab_token: "glpat-",
  slack_token: "xoxb-1234567890-",
  slack_webhook: "hooks.slack.com/services/",
  stripe_secret_key: "sk_live_",
  google_api_key: "AIza",
  openai_api_key: "sk-",
  openai_proj: "sk-proj-",
  anthropic_api_key: "sk-ant-api03-",
  npm_token: "npm_",
  sendgrid_api_key: "SG.",
  sendgrid_body: "SG.aaaaaaaaaaaaaaaaaaaaaa.",
  huggingface_token: "hf_",
  twilio_api_key: "SK0123456789abcdef",
  jwt: "eyJ",
  jwt_segments: "eyJhbGciOiJIUzI1NiJ9.eyJ",
  jwt_dots: "eyJ.",
  db_connection_string: "postgres://a:",
  db_query: "jdbc:mysql://h?",
  db_ado: "Server=x;",
  private_key: "-----BEGIN PRIVATE KEY-----\n",
  private_key_body: "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
  email: "a@",
  email_local: "a.",
  email_domain: "a@b.",
  email_labels: "x@a-",
  numbers_spaced: "1 ",
  numbers_dashed: "12-",
  numbers_plus: "+1 ",
  numbers_paren: "(1) ",
  numbers_long: "1",
  ssn: "123-45-678 ",
  card: "4111 1111 1111 111 ",
  iban: "DE89 ",
  iban_body: "DE89 3704 ",
  iban_letters: "AB12CDEF",
  upper_run: "ABCD",
  keyword_password: "Password=",
  keyword_secret: "secret ",
  keyword_pwd: "pwd",
  ado_pairs: "Server=a;Password=",
  scheme_only: "://",
  underscores: "_",
  dashes: "-",
  dash_after_k: "k-",
  dash_after_hex: "a-",
  api_org: "api_org_",
  begin_only: "-----BEGIN ",
};

describe("every detector on 1 MiB of repeated near-matches", () => {
  for (const [name, unit] of Object.entries(NEAR_MISSES)) {
    test(`${name} near-matches (${JSON.stringify(unit).slice(0, 40)}) are scanned without blowing up`, () => {
      const text = fill(unit);
      const found = findSecrets(text);
      expect(Array.isArray(found)).toBe(true);
      // Whatever is found lies inside the text and never overlaps.
      let last = -1;
      for (const m of found) {
        expect(m.start).toBeGreaterThanOrEqual(last);
        expect(m.end).toBeLessThanOrEqual(text.length);
        last = m.end;
      }
    }, 20_000);
  }
});
