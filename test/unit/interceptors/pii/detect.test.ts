import { describe, expect, test } from "bun:test";
import {
  cardBrandOk,
  githubChecksumOk,
  ibanChecksumOk,
  jwtHeaderOk,
  looksLikePlaceholder,
  luhnOk,
  ssnOk,
} from "../../../../src/interceptors/pii/checks.ts";
import { findSecrets } from "../../../../src/interceptors/pii/redact.ts";

/** [category, text, value] — value "" means the whole text from the first character of the secret. */
const POSITIVES: [string, string, string][] = [
  // phone
  ["phone_number", "Call me at (415) 555-2671 tomorrow", "(415) 555-2671"],
  ["phone_number", "US office: +1 415-555-2671", "+1 415-555-2671"],
  ["phone_number", "phone: 415-555-2671", "415-555-2671"],
  ["phone_number", "UK: +44 20 7946 0958", "+44 20 7946 0958"],
  ["phone_number", "ring 020 7946 0958 please", "020 7946 0958"],
  ["phone_number", "mobile 07700 900123", "07700 900123"],
  ["phone_number", "+44 7700 900123", "+44 7700 900123"],
  ["phone_number", "Telefon: +49 30 12345678", "+49 30 12345678"],
  ["phone_number", "Handy 0151 23456789", "0151 23456789"],
  ["phone_number", "+49 151 23456789", "+49 151 23456789"],
  ["phone_number", "Tél : 06 12 34 56 78", "06 12 34 56 78"],
  ["phone_number", "+33 1 23 45 67 89", "+33 1 23 45 67 89"],
  ["phone_number", "+91 98765 43210", "+91 98765 43210"],
  ["phone_number", "WhatsApp +91-98765-43210", "+91-98765-43210"],
  ["phone_number", "call 098765 43210", "098765 43210"],
  ["phone_number", "+81 3-1234-5678", "+81 3-1234-5678"],
  ["phone_number", "携帯 090-1234-5678", "090-1234-5678"],
  ["phone_number", "+81 90-1234-5678", "+81 90-1234-5678"],
  ["phone_number", "Fone: (11) 98765-4321", "(11) 98765-4321"],
  ["phone_number", "+55 21 2345-6789", "+55 21 2345-6789"],
  ["phone_number", "+61 412 345 678", "+61 412 345 678"],
  ["phone_number", "mob 0412 345 678", "0412 345 678"],
  ["phone_number", "(02) 9876 5432", "(02) 9876 5432"],
  ["phone_number", "+61 2 9876 5432", "+61 2 9876 5432"],
  ["phone_number", "+34 612 34 56 78", "+34 612 34 56 78"],
  ["phone_number", "Teléfono: 912 345 678", "912 345 678"],
  ["phone_number", "+234 803 123 4567", "+234 803 123 4567"],
  ["phone_number", "call 0803 123 4567", "0803 123 4567"],
  ["phone_number", 'phone_number: "+14155552671"', "+14155552671"],
  ["phone_number", "+44 (0) 20 7946 0958", "+44 (0) 20 7946 0958"],
  ["phone_number", "Phone: 415.555.2671", "415.555.2671"],
  ["phone_number", "0044 20 7946 0958", "0044 20 7946 0958"],
  ["phone_number", "Call 1-800-555-0199 now", "1-800-555-0199"],
  ["phone_number", "(+44) 20 7946 0958", "(+44) 20 7946 0958"],
  ["phone_number", "+1 (415) 555-2671", "+1 (415) 555-2671"],
  ["phone_number", "+49 (0)30 12345678", "+49 (0)30 12345678"],
  ["phone_number", "+55 (11) 98765-4321", "+55 (11) 98765-4321"],
  ["phone_number", "Call 4155552671", "4155552671"],
  ["phone_number", "Teléfono 612 34 56 78", "612 34 56 78"],
  ["phone_number", "llama al 912 345 678", "912 345 678"],
  [
    "aws_secret_access_key",
    "aws configure set aws_secret_access_key dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9",
    "dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9",
  ],
  ["aws_access_key_id", "key AKIA0QDJ3WC3SJD5WY1N", "AKIA0QDJ3WC3SJD5WY1N"],
  ["gitlab_token", 'value="glpat--8yIyGlc62BbSle08t9s"', "glpat--8yIyGlc62BbSle08t9s"],
  // ssn
  ["ssn", "SSN 123-45-6788", "123-45-6788"],
  ["ssn", "ssn: 536 22 1234", "536 22 1234"],
  ["ssn", "Social Security Number: 536221234", "536221234"],
  ["ssn", "employee ssn=401-23-4567;", "401-23-4567"],
  // cards
  ["credit_card", "Visa 4111 1111 1111 1111", "4111 1111 1111 1111"],
  ["credit_card", "amex 3782 822463 10005", "3782 822463 10005"],
  ["credit_card", "amex 378282246310005", "378282246310005"],
  ["credit_card", "card 3714-496353-98431", "3714-496353-98431"],
  ["credit_card", "cc=5555555555554444&exp=1226", "5555555555554444"],
  ["credit_card", "discover 6011 1111 1111 1117", "6011 1111 1111 1117"],
  ["credit_card", "visa 4012888888881881 exp 12/27", "4012888888881881"],
  ["credit_card", "mc 2223 0031 2200 3222", "2223 0031 2200 3222"],
  ["credit_card", '"card":"4000056655665556"', "4000056655665556"],
  // iban
  ["iban", "IBAN: DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"],
  ["iban", "IBAN DE89370400440532013000 BIC COBADEFFXXX", "DE89370400440532013000"],
  ["iban", "GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19"],
  ["iban", "GB29NWBK60161331926819", "GB29NWBK60161331926819"],
  ["iban", "FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"],
  ["iban", "NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00"],
  ["iban", "ES91 2100 0418 4502 0005 1332", "ES91 2100 0418 4502 0005 1332"],
  ["iban", "IT60 X054 2811 1010 0000 0123 456", "IT60 X054 2811 1010 0000 0123 456"],
  ["iban", "BE68 5390 0754 7034", "BE68 5390 0754 7034"],
  ["iban", "CH93 0076 2011 6238 5295 7", "CH93 0076 2011 6238 5295 7"],
  ["iban", "iban=CH9300762011623852957;", "CH9300762011623852957"],
  // emails
  ["email", "<john.smith@company.com>", "john.smith@company.com"],
  ["email", "mailto:a.b-c@sub.domain.org?subject=x", "a.b-c@sub.domain.org"],
  ["email", '"email":"ELLA_M@Example.COM"', "ELLA_M@Example.COM"],
  // secrets
  ["aws_access_key_id", "aws_access_key_id = ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"],
  [
    "aws_secret_access_key",
    "AKIA4QDJ3WC3SJD5WYEN,dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9",
    "dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9",
  ],
  [
    "aws_secret_access_key",
    '{"SecretAccessKey": "dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9"}',
    "dhZYeZaf36kP5Bl6UVessnD0urzHX9RiVBu8IkJ9",
  ],
  [
    "openai_api_key",
    "OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9oPq2rSt5uVw8xYz1T3BlbkFJaB4cD7eF0gH3iJ6kL9mN2oP5qR8sT1uV4wX7yZ0aB3cD6eF9gH2iJ5kL8mN1oP4qR7sT0uV3wX6y",
    "",
  ],
  [
    "anthropic_api_key",
    "key: sk-ant-admin01-q8mT3vX0pL5nR2wK9sD4fG7hJ1aZ6cV8bN3mQ0eW5rT2yU7iO4pA9sD1fG6hJ3kL8zX5cV0bN7mQ2wE4rT9yU1iO6pA3sD8fG5hJ0kL2AA",
    "",
  ],
  ["gitlab_token", "PRIVATE-TOKEN: glpat-xY3_zQ9-wE1rT5yU7iO2", "glpat-xY3_zQ9-wE1rT5yU7iO2"],
  [
    "npm_token",
    "//registry.npmjs.org/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
  ],
  ["huggingface_token", "HF_TOKEN=hf_abcdefghijKLMNOPQRSTuvwxyzABCDEFGH", "hf_abcdefghijKLMNOPQRSTuvwxyzABCDEFGH"],
  ["private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", ""],
  ["private_key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----", ""],
  [
    "private_key",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "",
  ],
  [
    "private_key",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQww\\n-----END ENCRYPTED PRIVATE KEY-----",
    "",
  ],
  [
    "db_connection_string",
    "MONGO_URI=mongodb+srv://user:S3cr3tPass@cluster0.ab1cd.mongodb.net/db?retryWrites=true",
    "",
  ],
  ["db_connection_string", "redis://:p4ssw0rdXYZ@cache.internal:6379/0", ""],
  ["db_connection_string", "mysql://root:Hunter2Pass@10.0.0.5:3306/app", ""],
  ["slack_token", "SLACK_BOT_TOKEN=xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", ""],
  [
    "slack_webhook",
    "https://hooks.slack.com/workflows/T01ABCDEF/A02BCDEFG/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWx",
    "",
  ],
  ["sendgrid_api_key", "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", ""],
  ["jwt", "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl", ""],
];

/** Identifiers, numbers, placeholders and public material that must not be reported. */
const NEGATIVES: string[] = [
  "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
  "Lat/long 37.7749, -122.4194",
  "ZIP 94105-1234",
  "Invoice INV-2024-00042",
  "EAN 4006381333931",
  "ISBN 0-306-40615-2",
  "ref 0-19-852663-6 page",
  "Reference 512 345 678",
  "EAN 4012345678901",
  "ISBN 9781412718964",
  "UPC 036000291452",
  "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
  "order #123456789012",
  "Version 10.15.7 (build 19H2)",
  "epoch ms 1700000000000",
  "ORDER-4111-1111-1111-1112",
  "4111 1111 1111 1112",
  "ghp_************************************",
  "ghp_1234567890abcdefghijklmnopqrstuvwxyz",
  "sk-proj-your-key-here",
  "${{ secrets.GITHUB_TOKEN }}",
  "Use AKIAIOSFODNN7EXAMPLE in docs",
  "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQY\n-----END PUBLIC KEY-----",
  "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmg\n-----END CERTIFICATE-----",
  "postgres://user:${DB_PASSWORD}@localhost/db",
  "postgres://localhost:5432/db",
  "DE89 3704 0044 0532 0130 01",
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "SSN-shaped 078-05-1120",
  "Call ext. 4421",
  "phone: 555-0100",
  "id 01234567890123",
  "2024-11-05T10:00:00+01:00",
  "+1 (555)",
  "Date 03.05.2024 10:30",
  "Build 2024.11.05.1234",
  "Tracking 1Z999AA10123456784",
  "IP 192.168.100.200 port 8080",
  "commit 5f2c1e9a",
  "Price $1,234,567.89",
  "Serial 0000-0000-0000",
  "ISBN 978-3-16-148410-0",
  "hf_hub_download",
  "xoxb-your-token",
  "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "sk_test_XXXXXXXXXXXXXXXXXXXX",
  "npm_token_placeholder",
  "user@localhost",
  "icon@2x.png",
  "lodash@4.17.21",
  "@types/node@20.1.0",
  "git@github.com:org/repo.git",
  "npm i left-pad@1.3.0",
  "Temperature 36.6 at 12:00:01",
  "card ending 4242",
  "account 000123456789",
  "Room 0205, 3rd floor",
  "coordinates 48.8566 2.3522",
  "uuid 123e4567-e89b-12d3-a456-426614174000",
  "docker sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

describe("findSecrets on formats beyond the development corpus", () => {
  for (const [category, text, value] of POSITIVES) {
    test(`finds ${category} in ${JSON.stringify(text).slice(0, 60)}`, () => {
      const found = findSecrets(text);
      const start = value ? text.indexOf(value) : 0;
      const end = value ? start + value.length : text.length;
      const hit = found.find((m) => m.category === category && m.start < end && m.end > start);
      expect(hit).toBeDefined();
      if (value) {
        expect(hit!.start).toBeLessThanOrEqual(start);
        expect(hit!.end).toBeGreaterThanOrEqual(end);
      }
    });
  }
  for (const text of NEGATIVES) {
    test(`reports nothing in ${JSON.stringify(text).slice(0, 60)}`, () => {
      expect(findSecrets(text).map((m) => `${m.category}:${text.slice(m.start, m.end)}`)).toEqual([]);
    });
  }
});

describe("checksums and structural rules", () => {
  test("GitHub tokens carry a CRC32/base62 checksum in their last six characters", () => {
    expect(githubChecksumOk("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")).toBe(true);
    expect(githubChecksumOk("gho_TlcIN3z6gBBzoCWOeoaTTHlzrWMLvq0XjaDX")).toBe(false);
    expect(githubChecksumOk("gho_short")).toBe(false);
  });

  test("Luhn accepts valid card numbers and rejects a changed digit", () => {
    expect(luhnOk("4111111111111111")).toBe(true);
    expect(luhnOk("4111111111111112")).toBe(false);
    expect(luhnOk("378282246310005")).toBe(true);
  });

  test("card brands require a known issuer prefix and matching length", () => {
    expect(cardBrandOk("4111111111111111")).toBe(true);
    expect(cardBrandOk("2221000000000009")).toBe(true);
    expect(cardBrandOk("378282246310005")).toBe(true);
    expect(cardBrandOk("3782822463100050")).toBe(false);
    expect(cardBrandOk("8219515246813355")).toBe(false);
    expect(cardBrandOk("5824806701448640")).toBe(false);
  });

  test("IBAN mod-97 accepts the registry examples and rejects wrong check digits", () => {
    expect(ibanChecksumOk("DE89370400440532013000")).toBe(true);
    expect(ibanChecksumOk("GB29NWBK60161331926819")).toBe(true);
    expect(ibanChecksumOk("DE88370400440532013000")).toBe(false);
  });

  test("SSNs follow the SSA rules for area, group and serial", () => {
    expect(ssnOk("093", "60", "7500")).toBe(true);
    expect(ssnOk("000", "12", "3456")).toBe(false);
    expect(ssnOk("666", "45", "1234")).toBe(false);
    expect(ssnOk("912", "34", "5678")).toBe(false);
    expect(ssnOk("123", "00", "5678")).toBe(false);
    expect(ssnOk("123", "45", "0000")).toBe(false);
    expect(ssnOk("078", "05", "1120")).toBe(false);
  });

  test("a JWT header must decode to a JSON object naming an algorithm", () => {
    expect(jwtHeaderOk("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")).toBe(true);
    expect(jwtHeaderOk("eyJmb28iOiJiYXIifQ")).toBe(false);
    expect(jwtHeaderOk("eyJ!!")).toBe(false);
  });

  test("placeholders are masked, templated, documentation words or too uniform to be random", () => {
    for (const p of [
      "************************",
      "xxxxxxxxxxxxxxxxxxxx",
      "your-api-key-here",
      "${TOKEN}",
      "0000000000000000",
    ])
      expect(looksLikePlaceholder(p)).toBe(true);
    expect(looksLikePlaceholder("TlcIN3z6gBBzoCWOeoaTTHlzrWMLvq0XjaDW")).toBe(false);
  });
});
