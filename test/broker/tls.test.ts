// The broker's TLS offer matches what a Moddable device can speak: TLS 1.2 with ECDHE-ECDSA or
// ECDHE-RSA and AES-128-GCM, for the EC and the RSA flavour of generateCerts. Older TLS is refused.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "node:tls";
import { generateCerts, type KeyType } from "../../broker/certs";
import { startBroker } from "../../broker/server";

const SUITE: Record<KeyType, string> = {
  ec: "ECDHE-ECDSA-AES128-GCM-SHA256",
  rsa: "ECDHE-RSA-AES128-GCM-SHA256",
};

for (const keyType of ["ec", "rsa"] as const) {
  test(`${keyType} certificate: TLS 1.2 with ${SUITE[keyType]}`, { timeout: 20_000 }, async (t) => {
    const certs = generateCerts({ keyType });
    t.after(() => certs.cleanup());
    const broker = await startBroker({ devices: {}, certs });
    t.after(() => broker.close());

    const socket = connect({
      host: "127.0.0.1", port: broker.port, ca: certs.caPem, servername: "localhost",
      minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers: SUITE[keyType],
    });
    await once(socket, "secureConnect");
    assert.equal(socket.authorized, true);
    assert.equal(socket.getProtocol(), "TLSv1.2");
    assert.equal(socket.getCipher().standardName, SUITE[keyType].replace(/^ECDHE-(ECDSA|RSA)-AES128-GCM-SHA256$/, "TLS_ECDHE_$1_WITH_AES_128_GCM_SHA256"));
    assert.equal(socket.getPeerCertificate().subjectaltname, "DNS:localhost, IP Address:127.0.0.1");
    socket.destroy();
  });
}

test("TLS 1.1 is refused", { timeout: 20_000 }, async (t) => {
  const broker = await startBroker({ devices: {} });
  t.after(() => broker.close());
  const socket = connect({
    host: "127.0.0.1", port: broker.port, ca: broker.certs.caPem, servername: "localhost",
    minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0",
  });
  const [err] = (await once(socket, "error")) as [NodeJS.ErrnoException];
  // an alert from the server (not a local "no protocols available") shows the broker did the refusing
  assert.equal(err.code, "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
  assert.equal(broker.stats().tlsErrors, 1);
  socket.destroy();
});

test("generateCerts: independent CAs, no CA key left behind, cleanup removes everything", () => {
  const a = generateCerts();
  const b = generateCerts();
  assert.notEqual(a.caPem, b.caPem);
  assert.equal(existsSync(join(a.dir, "ca.key")), false);
  assert.deepEqual(new X509Certificate(a.caDer).raw, new X509Certificate(a.caPem).raw);
  assert.equal(new X509Certificate(a.certPem).verify(new X509Certificate(a.caPem).publicKey), true);
  assert.equal(new X509Certificate(a.certPem).verify(new X509Certificate(b.caPem).publicKey), false);
  a.cleanup();
  b.cleanup();
  assert.equal(existsSync(a.dir) || existsSync(b.dir), false);
});
