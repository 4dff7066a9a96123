# Sourced by the scripts: picks a JDK >= 21 (JAVA_HOME first, then /usr/lib/jvm, preferring Temurin 25)
# and exports JAVA_HOME and JAVA. Fails with a clear message if there is none.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p'; }
pick_java_home() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do
    c="${c%/}"
    [[ -n "$c" && -x "$c/bin/javac" ]] || continue
    local v; v="$(java_major "$c")"
    if [[ -n "$v" && "$v" -ge 21 ]]; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME="$(pick_java_home)"; then
  echo "kube-backend needs a JDK >= 21 (set JAVA_HOME or install one under /usr/lib/jvm, e.g. temurin-25-jdk)" >&2
  exit 1
fi
export JAVA_HOME
export JAVA="$JAVA_HOME/bin/java"
export PATH="$JAVA_HOME/bin:$PATH"
