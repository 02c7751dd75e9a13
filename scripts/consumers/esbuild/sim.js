// The simulator for the bundled consumer, run from the installed (unbundled)
// package: prints its base URL and credentials as one JSON line, runs until killed.
import { Simulator } from 'settrade-feed/sim';

const sim = new Simulator({ symbols: ['AOT', 'PTT'], ratePerSymbol: 100 });
const { baseUrl, credentials } = await sim.start();
console.log(JSON.stringify({ baseUrl, credentials }));
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
