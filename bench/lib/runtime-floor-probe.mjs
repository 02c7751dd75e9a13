// One probe of bench/runtime-floor.ts, run in a fresh `node --expose-gc`:
// performs the steps named on the command line, lets the process settle,
// forces a full GC and prints one JSON line with its resident memory
// (/proc/self/status: VmRSS, RssAnon, RssFile) and V8's heap in use.
//
// Steps (in order given):
//   hot            one function hot enough for V8's optimizing compilers
//                  (what any feed's message loop does within a second)
//   load:a,b       import these built-ins or packages (node:net, ws, ...)
//   http           one HTTP GET over loopback (server and client in-process)
//   sign           one ECDSA P-256 signature (what the Settrade login does)
//   import:SPEC    import a module by path or specifier
import { readFileSync } from 'node:fs';

const steps = process.argv.slice(2);

function hot() {
  const a = new Float64Array(1024);
  const f = (x) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i] * 2;
    return s;
  };
  let t = 0;
  for (let k = 0; k < 20_000; k++) t += f(a);
  return t;
}

async function httpRoundTrip() {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  await new Promise((r) => server.close(r));
}

async function sign() {
  const crypto = await import('node:crypto');
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  crypto.sign('sha256', Buffer.from('login'), privateKey);
}

for (const step of steps) {
  if (step === 'hot') globalThis.__sink = hot();
  else if (step === 'http') await httpRoundTrip();
  else if (step === 'sign') await sign();
  else if (step.startsWith('load:')) for (const m of step.slice(5).split(',')) await import(m);
  else if (step.startsWith('import:')) await import(step.slice(7));
  else throw new Error(`runtime-floor-probe: unknown step ${step}`);
}
await new Promise((r) => setTimeout(r, 300));
globalThis.gc();
await new Promise((r) => setTimeout(r, 100));
const status = readFileSync('/proc/self/status', 'utf8');
const mb = (k) => Math.round(Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)[1]) / 102.4) / 10;
console.log(JSON.stringify({ rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile'), heapUsedMb: Math.round(process.memoryUsage().heapUsed / 104857.6) / 10 }));
