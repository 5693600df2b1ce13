# private-apt.sh: sourced by tools/fetch-pythons.sh, fetch-kernels.sh and fetch-austin.sh.
# apt with a private sources list, private state and cache: the system's apt
# configuration is never touched, its dpkg status only read.
#
#   private_apt_update DIR WHAT      DIR/private.sources (deb822) must exist; sets
#                                    APTOPTS (options for apt-get and
#                                    apt-cache) and runs apt-get update, or
#                                    dies naming WHAT.
#   private_cache_begin CACHE TOOL...  checks the tools and Debian's keyring,
#                                    takes CACHE's lock (held until the script
#                                    ends) and exits 0 if cache_complete says
#                                    another run finished the work meanwhile.
#   private_sid_sources DIR          writes DIR/private.sources: Debian sid's
#                                    main, amd64, verified with KEYRING.
# The caller defines die(), cache_complete() and KEYRING.

private_cache_begin() {
	local cache=$1 tool
	shift
	for tool in apt-get "$@"; do
		command -v "$tool" >/dev/null || die "$tool not found (run tools/install-deps.sh)"
	done
	[ -r "$KEYRING" ] || die "$KEYRING missing (apt-get install debian-archive-keyring)"
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	# Another run may have finished the work while we waited for the lock.
	if cache_complete; then
		exit 0
	fi
}

private_apt_update() {
	local dir=$1 what=$2 log
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
	# Sandbox user root because the private dirs are root's (apt's _apt
	# user could not write them).
	APTOPTS=(-q
		-o "Dir::Etc::sourcelist=$dir/private.sources"
		-o Dir::Etc::sourceparts=/dev/null
		-o Dir::Etc::preferences=/dev/null
		-o Dir::Etc::preferencesparts=/dev/null
		-o "Dir::State=$dir/state"
		-o "Dir::Cache=$dir/cache"
		-o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root
		-o Acquire::Languages=none
		-o Acquire::Retries=3
		-o APT::Architecture=amd64
		-o APT::Architectures=amd64)
	log=$dir/update.log
	if ! apt-get "${APTOPTS[@]}" update >"$log" 2>&1; then
		cat "$log" >&2
		die "apt-get update of $what failed (network? see the log above)"
	fi
	# apt-get update exits 0 on some fetch errors; a missing signature must
	# not pass silently.
	if grep -Eq '^(W|E): .*(NO_PUBKEY|not signed|Failed to fetch|invalid)' "$log"; then
		cat "$log" >&2
		die "apt-get update of $what reported errors"
	fi
}

private_sid_sources() {
	mkdir -p "$1/debs"
	# deb822 with Signed-By: sid's InRelease is verified against Debian's
	# own archive keyring (it holds the current archive keys that sign sid).
	cat >"$1/private.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Architectures: amd64
Signed-By: $KEYRING
EOF
}
