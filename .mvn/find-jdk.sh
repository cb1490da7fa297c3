# Sourced by ./mvnw, ./facta and .ci/run: sets JAVA_HOME to a JDK >= 21.
# Order: JAVA_HOME when new enough, then `java` on PATH, then the usual JDK folders.
# Prints what to install and returns 1 when there is none.

facta_java_major() {
  # $1: path to a java binary; prints its feature version (17, 21, 25, ...) or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

facta_find_jdk() {
  local min=21 candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(facta_java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then return 0; fi
  fi
  local path_java
  path_java=$(command -v javac 2>/dev/null || true)
  if [ -n "$path_java" ]; then
    candidate=$(dirname "$(dirname "$(readlink -f "$path_java")")")
    major=$(facta_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then export JAVA_HOME="$candidate"; return 0; fi
  fi
  local best="" best_major=0
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(facta_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  if [ -n "$best" ]; then export JAVA_HOME="$best"; return 0; fi
  echo "facta: no JDK $min or newer found (looked at JAVA_HOME, PATH and /usr/lib/jvm)." >&2
  echo "facta: install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+ from adoptium.net, or set JAVA_HOME." >&2
  return 1
}
