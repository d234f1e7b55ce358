#!/usr/bin/env bash
# dvc-dolt in five minutes: the commands a user types, on a throw-away repo.
# Run it through ./scripts/demo, which installs dvc-dolt and dolt first.
set -euo pipefail

work="$(mktemp -d "${TMPDIR:-/tmp}/dvc-dolt-quickstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A private Dolt config so the demo needs none of yours.
export DOLT_ROOT_PATH="$work/dolt-home" DVC_NO_ANALYTICS=1
mkdir -p "$DOLT_ROOT_PATH"
# scripts/setup names the dolt it found; make it plain `dolt` for the commands below.
if [ -n "${DVC_DOLT_DOLT:-}" ]; then PATH="$(dirname "$DVC_DOLT_DOLT"):$PATH"; fi
for kv in "user.name=dvc-dolt demo" "user.email=demo@dvc-dolt.invalid" \
          "metrics.disabled=true" "versioncheck.disabled=true"; do
  dolt config --global --add "${kv%%=*}" "${kv#*=}" >/dev/null
done
export GIT_AUTHOR_NAME="dvc-dolt demo" GIT_AUTHOR_EMAIL=demo@dvc-dolt.invalid
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fails() { printf '$ %s\n' "$*"; if "$@"; then echo "(unexpectedly succeeded)"; exit 1; fi; }

cd "$work" && mkdir project && cd project
step "A git + DVC project with a Dolt database of labels"
show git init -q -b main
show dvc init -q
mkdir labels && (cd labels && dolt init -b main >/dev/null \
  && dolt sql -q "create table labels (id int primary key, label varchar(16))" \
  && dolt sql -q "insert into labels values (1,'cat'),(2,'dog'),(3,'cat'),(4,'dog')" \
  && dolt add -A && dolt commit -m "four labels" >/dev/null)
printf '$ dvc version\n'
dvc version | grep -E "^(DVC version|Dolt:)|dvc-dolt"

step "dvc add records the database by its three heads; nothing is copied to .dvc/cache"
show dvc add labels
show cat labels.dvc
show ls .dvc
show git add -A
show git commit -qm "track labels"

step "Uncommitted changes are refused, and nothing is written"
(cd labels && dolt sql -q "update labels set label='dog' where id=3")
fails dvc add labels
(cd labels && dolt commit -am "relabel 3" >/dev/null)
show dvc add labels

step "A pipeline stage that reads the database (DVC 2's dvc run works too)"
cp "$here/count_labels.py" .
show dvc run -n count -d labels -d count_labels.py -M counts.json python count_labels.py
show cat counts.json
show dvc status
show git add -A
show git commit -qm "count labels"

step "Change the labels: the stage re-runs"
(cd labels && dolt sql -q "insert into labels values (5,'cat')" && dolt commit -am "label 5" >/dev/null)
show dvc status
show dvc repro
show cat counts.json
show git add -A
show git commit -qm "five labels"

step "Back to the previous version: git checkout + dvc checkout restore the database"
show git checkout -q HEAD~1
show dvc checkout
(cd labels && show dolt sql -q "select count(*) as labels from labels")
(cd labels && show dolt branch)
show git checkout -q main
show dvc checkout
(cd labels && show dolt sql -q "select count(*) as labels from labels")

step "Share through a DVC remote: push, then pull into a fresh clone"
show dvc remote add -d storage "$work/storage"
show git commit -qam "add a DVC remote"
show dvc push
show ls "$work/storage" "$work/storage/dolt"
cd "$work"
show git clone -q project teammate
cd teammate
show dvc pull
(cd labels && show dolt log --oneline -n 2 && show dolt remote -v)
show dvc status
echo
echo "Done: the database moved with git, went through a DVC remote, and no commit was lost."
