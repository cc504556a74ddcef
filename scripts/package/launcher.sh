#!/bin/sh
# The `callgate` command of a release: runs bin/callgate.js with the Node.js runtime shipped beside it, so the
# host needs no Node.js of its own. Works through symlinks (e.g. /usr/local/bin/callgate).
set -e
here=$(dirname "$(readlink -f "$0")")
exec "$here/../node/bin/node" "$here/callgate.js" "$@"
