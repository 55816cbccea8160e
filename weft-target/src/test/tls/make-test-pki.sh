#!/bin/sh
# Makes a throw-away PKI for the management API's TLS tests in DIR (fresh keys on every run, so no
# private key is ever committed). Usage: make-test-pki.sh DIR [SAN,...], e.g. IP:10.77.0.1 for a
# server in a test's network namespace.
#   ca.pem            a test CA
#   server.pem/.key   signed by it, for 127.0.0.1, localhost and the extra SANs
#   client.pem/.key   signed by it, CN=weft-operator (client certificate authentication)
#   other-ca.pem      an unrelated CA (a client trusting only it must refuse the server)
#   other-client.pem/.key  signed by the unrelated CA (the server must refuse it)
set -eu
dir=$1
extra=${2:+,$2}
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name cn ca extensions
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "Weft test CA"
ca other-ca "Some other CA"
leaf server "weft-admin" ca "subjectAltName=IP:127.0.0.1,DNS:localhost$extra
extendedKeyUsage=serverAuth"
leaf client "weft-operator" ca "extendedKeyUsage=clientAuth"
leaf other-client "intruder" other-ca "extendedKeyUsage=clientAuth"
