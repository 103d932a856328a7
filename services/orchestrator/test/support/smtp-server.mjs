// A real SMTP server process for the email channel's tests (npm smtp-server). Prints
// "LISTENING <port>" once up; appends every accepted message to $SMTP_OUT as a JSON line.
// Refuses recipients at invalid.test (550 5.1.1) and answers 451 for tempfail.test; a recipient
// at flaky.test gets 451 the first time and is accepted after. A message to stall.test is read to
// its final dot and never answered (a server that hangs): nothing recorded, the client left waiting.
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const out = process.env.SMTP_OUT;
const refusedOnce = new Set();

function parse(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onRcptTo(address, _session, callback) {
    const domain = address.address.split('@')[1] ?? '';
    if (domain === 'invalid.test') {
      const err = new Error('5.1.1 No such user here');
      err.responseCode = 550;
      return callback(err);
    }
    if (domain === 'flaky.test' && !refusedOnce.has(address.address)) {
      refusedOnce.add(address.address);
      const err = new Error('4.3.0 Try again later');
      err.responseCode = 451;
      return callback(err);
    }
    if (domain === 'tempfail.test') {
      const err = new Error('4.3.0 Try again later');
      err.responseCode = 451;
      return callback(err);
    }
    callback();
  },
  onData(stream, session, callback) {
    if (session.envelope.rcptTo.some((r) => r.address.endsWith('@stall.test'))) {
      stream.resume();
      return;
    }
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const record = {
        from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        ...parse(raw),
      };
      appendFileSync(out, JSON.stringify(record) + '\n');
      callback(null, 'Queued');
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.server.address().port}\n`);
});
// A stalled client's connection would hold close() open: stop waiting for it.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});
