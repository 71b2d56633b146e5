/**
 * The built-in policy, used when no policy file is configured, and printed by
 * `mcpgw policy default`. It is kept as YAML text so that what users see is exactly what runs:
 * it goes through the same loader and schema as a file would.
 */
import { parse } from "yaml";
import { type Policy, PolicySchema } from "./schema.ts";

export const DEFAULT_POLICY_YAML = `# mcpgw built-in policy (print it with: mcpgw policy default)
# Ordinary MCP traffic is allowed; the well-known dangerous tool calls are denied.
# Values are normalised before matching (percent-encoding, case, ./.., file://, quotes,
# $IFS, sudo/env wrappers, sh -c, ...): see docs/policy.md.
version: v1
mode: enforce
rules:
  - id: default.destructive-command
    name: deny-destructive-commands
    match:
      methods: ["tools/call"]
      any_argument_patterns:
        - '^rm -[a-z]*(f[a-z]*r|r[a-z]*f)'
        - '^find .* -delete( |$)'
        - '^find .* -exec rm '
        - '^dd .*of=/dev/(sd|hd|vd|xvd|nvme|mmcblk|disk|md|dm-|mapper)'
        - '^(mkfs|wipefs)( |\\.|$)'
        - '^chmod -[a-z]*r[a-z]* [0-7]{3,4} /$'
        - '>> ?/dev/(sd|hd|nvme|disk)|> ?/dev/(sd|hd|nvme|disk)'
        - ':\\(\\) ?\\{ ?: ?\\| ?: ?& ?\\} ?; ?:'
        - '\\(\\) ?\\{ ?[^ |]{1,32} ?\\| ?[^ &]{1,32} ?& ?\\}'
        - 'rmtree\\('
        - 'os\\.removedirs\\('
        - 'fileutils\\.(rm_rf|remove_dir)'
        - 'fork while fork'
        - '^shred .*/dev/'
        - 'fs\\.(rm|rmdir)(sync)?\\(.*recursive'
        - '^rimraf '
        - '^remove-item .*-recurse'
        - '^(rd|rmdir) /s'
        - '^del /[a-z]'
        - '^format [a-z]:'
    action: deny
  - id: default.pipe-to-shell
    name: deny-pipe-to-shell
    match:
      methods: ["tools/call"]
      any_argument_patterns:
        - '\\| (sh|bash|zsh|dash|ksh|ash|csh|tcsh|fish|mksh|source|\\.)( |$)'
        - '\\| (python[0-9.]*|perl|ruby|node|php)( -)?( \\||$)'
        - '^(sh|bash|zsh|dash|ksh|source|\\.) <$'
        - '^(sh|bash|zsh|dash|ksh) -[a-z]*c$'
        - '^eval$'
        - '^(python[0-9.]*|perl|ruby|node|php) -[a-z]*[ce]$'
    action: deny
  - id: default.secret-files
    name: deny-secret-files
    match:
      methods: ["tools/call", "resources/read"]
      any_argument:
        - "/etc/shadow*"
        - "/etc/gshadow*"
        - "/etc/passwd*"
        - "/etc/master.passwd"
        - "/etc/sudoers"
        - "/etc/sudoers.d/*"
        - "/etc/ssl/private"
        - "/etc/ssl/private/*"
        - "*.pem"
        - "*.key"
        - "*.p12"
        - "*.pfx"
        - "*.jks"
        - "*.keystore"
        - "*.ppk"
        - "id_rsa*"
        - "*/id_rsa*"
        - "id_dsa*"
        - "*/id_dsa*"
        - "id_ecdsa*"
        - "*/id_ecdsa*"
        - "id_ed25519*"
        - "*/id_ed25519*"
        - "~/.ssh"
        - "~/.ssh/*"
        - "*/.ssh"
        - "*/.ssh/*"
        - "*/.aws/credentials"
        - "*/.aws/config"
        - "*/.docker/config.json"
        - "*/.kube/config"
        - ".netrc"
        - "*/.netrc"
        - ".git-credentials"
        - "*/.git-credentials"
        - "*/.gnupg/*"
        - ".env"
        - "*/.env"
        - ".env.local"
        - "*/.env.local"
        - ".env.production"
        - "*/.env.production"
    action: deny
  - id: default.secret-resources
    name: deny-secret-resources
    match:
      methods: ["resources/read", "resources/subscribe"]
      resources:
        - "file:///etc/shadow*"
        - "file:///etc/ssl/private/*"
        - "file://*.pem"
        - "file://*.key"
        - "file://*/.ssh/*"
        - "file://*/id_rsa*"
        - "file://*/id_ed25519*"
        - "file://*/.aws/credentials"
    action: deny
  - id: default.write-outside-working-tree
    name: deny-writes-outside-working-tree
    match:
      methods: ["tools/call"]
      tools: ["write*", "edit*", "create*", "move*", "rename*", "copy*", "delete*", "remove*",
              "mkdir*", "append*", "save*", "upload*", "patch*", "put*", "*_write*", "*_edit*",
              "*_create*", "*_delete*", "*_move*"]
      paths_outside: ["."]
    action: deny
  - id: default.allow
    name: allow-everything-else
    match:
      methods: ["*"]
    action: allow
`;

let cached: Policy | undefined;

/** The built-in policy, parsed and validated (once). */
export function defaultPolicy(): Policy {
  cached ??= Object.freeze(PolicySchema.parse(parse(DEFAULT_POLICY_YAML))) as Policy;
  return cached;
}
