// Loaded with `node --import`: records every module the process resolves, to a
// file named by QMS_RECORD_IMPORTS, so a test can prove what `qms --help` loads.
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.QMS_RECORD_IMPORTS;
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => appendFileSync(file, `${url}\n`));
port1.unref();
register(
  'data:text/javascript,' +
    encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`),
  import.meta.url,
  { data: { port: port2 }, transferList: [port2] },
);
