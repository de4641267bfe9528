#!/usr/bin/env bash
# Runs every licensedesk test: formatting, vet, and the whole suite with the
# race detector, including the browser tests in headless Chromium (Debian's
# chromium package, installed here when missing) and the PDF tests, which read
# the documents back with pdftotext (Debian's poppler-utils, likewise).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
	echo "test.sh: /usr/bin/chromium is missing: installing Debian's chromium for the browser tests"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "test.sh: need root or sudo to install chromium (apt-get install -y chromium)" >&2
			exit 1
		fi
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! { $SUDO apt-get update && $SUDO apt-get install -y chromium; }; then
		echo "test.sh: could not install chromium; the browser tests need /usr/bin/chromium" >&2
		exit 1
	fi
	if [ ! -x /usr/bin/chromium ]; then
		echo "test.sh: chromium installed but /usr/bin/chromium is still missing" >&2
		exit 1
	fi
fi

if ! command -v pdftotext >/dev/null; then
	echo "test.sh: pdftotext is missing: installing Debian's poppler-utils for the PDF tests"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "test.sh: need root or sudo to install poppler-utils (apt-get install -y poppler-utils)" >&2
			exit 1
		fi
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! { $SUDO apt-get install -y poppler-utils || { $SUDO apt-get update && $SUDO apt-get install -y poppler-utils; }; }; then
		echo "test.sh: could not install poppler-utils; the PDF tests need pdftotext" >&2
		exit 1
	fi
	if ! command -v pdftotext >/dev/null; then
		echo "test.sh: poppler-utils installed but pdftotext is still missing" >&2
		exit 1
	fi
fi

echo "== gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
	echo "test.sh: these files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race"
go test -race -count=1 -timeout 30m ./...

echo "== fuzz (a few seconds per reader of outside files)"
for target in FuzzTransferFile FuzzCSVReader; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 5s ./app/
done
go test -run '^$' -fuzz '^FuzzCheckJSONFindsDuplicates$' -fuzztime 5s ./app/web/ # every API request body
