#!/usr/bin/env bash
# npm audit of the production dependencies: a high or critical finding fails. An audit that could not run
# (the registry, a mirror or a proxy without the advisory endpoint) is never taken for a clean one: it is
# reported as NOT CHECKED, and fails too when EKEY_AUDIT_REQUIRED=1 (set it where the registry is reachable).
set -uo pipefail
cd "$(dirname "$0")/.."

out="$(npm audit --omit=dev --audit-level=high --json 2>/dev/null)"
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "npm audit: no high or critical findings in the production dependencies"
  exit 0
fi

# The JSON says which it was: an error object (the endpoint) or a vulnerability report.
verdict="$(printf '%s' "$out" | node -e '
  let text = "";
  process.stdin.on("data", (c) => (text += c)).on("end", () => {
    let j;
    try { j = JSON.parse(text); } catch { console.log("unreadable"); return; }
    if (j.error || j.statusCode || !j.metadata) { console.log(`unreachable ${j.statusCode ?? ""} ${j.message ?? j.error?.summary ?? ""}`.trim()); return; }
    const v = j.metadata.vulnerabilities ?? {};
    console.log(`findings high=${v.high ?? 0} critical=${v.critical ?? 0}`);
    for (const [name, x] of Object.entries(j.vulnerabilities ?? {}))
      if (x.severity === "high" || x.severity === "critical") console.log(`  ${x.severity} ${name} ${x.range ?? ""} fix: ${typeof x.fixAvailable === "object" ? x.fixAvailable.name + "@" + x.fixAvailable.version : x.fixAvailable}`);
  });
')"

case "$verdict" in
  findings*)
    echo "npm audit: high or critical findings in the production dependencies:"
    echo "$verdict"
    echo "fix: upgrade the dependency, or pin the fixed transitive version under \"overrides\" in package.json"
    exit 1
    ;;
  *)
    echo "######################################################################"
    echo "# npm audit NOT CHECKED: the registry's audit endpoint could not be used"
    echo "# (${verdict}). No finding is known either way."
    echo "######################################################################"
    if [ "${EKEY_AUDIT_REQUIRED:-0}" = "1" ]; then exit 1; fi
    exit 0
    ;;
esac
