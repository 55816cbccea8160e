# shellcheck shell=bash
# Sourced by bin/weft, bin/test and .ci/run: finds the JDK 25 Weft builds and runs with.
#
#   weft_find_jdk    sets WEFT_JAVA_HOME, or explains on stderr and returns 1. Looks at, in order:
#                    $JAVA_HOME if it is a 25; /usr/lib/jvm/*25*/ (newest first); the `java` on PATH
#                    if it is a 25.

WEFT_JDK_MAJOR=25

# Prints the major Java version of the JDK or JRE at $1, or nothing.
weft_java_major() {
	local home=$1 version=""
	[ -x "$home/bin/java" ] || return 0
	if [ -r "$home/release" ]; then
		version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
	fi
	if [ -z "$version" ]; then
		version=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
	fi
	version=${version%%[.+-]*}
	[ -z "$version" ] || printf '%s\n' "$version"
}

weft_find_jdk() {
	local home java
	if [ -n "${JAVA_HOME:-}" ] && [ "$(weft_java_major "$JAVA_HOME")" = "$WEFT_JDK_MAJOR" ]; then
		WEFT_JAVA_HOME=${JAVA_HOME%/}
		return 0
	fi
	while IFS= read -r home; do
		home=${home%/}
		if [ "$(weft_java_major "$home")" = "$WEFT_JDK_MAJOR" ]; then
			WEFT_JAVA_HOME=$home
			return 0
		fi
	done < <(compgen -G "/usr/lib/jvm/*${WEFT_JDK_MAJOR}*/" | sort -rV)
	if java=$(command -v java 2>/dev/null); then
		home=$(dirname "$(dirname "$(readlink -f "$java")")")
		if [ "$(weft_java_major "$home")" = "$WEFT_JDK_MAJOR" ]; then
			WEFT_JAVA_HOME=$home
			return 0
		fi
	fi
	{
		echo "weft: no JDK $WEFT_JDK_MAJOR found: JAVA_HOME is ${JAVA_HOME:-unset}, nothing in /usr/lib/jvm/*$WEFT_JDK_MAJOR*/,"
		echo "weft: and 'java' on PATH is ${java:-missing}. Install a JDK $WEFT_JDK_MAJOR (e.g. Temurin) or point JAVA_HOME at one."
	} >&2
	return 1
}
