import { createRequire } from 'node:module';

/**
 * restify 11 loads spdy, whose http-deceiver reads process.binding('http_parser') as it loads; Node 24
 * removed that binding (restify/node-restify#1984), so restify could not even be imported. spdy runs only
 * with the `spdy` server option, which this service never passes: handing it the same two fields from
 * Node's own _http_common lets restify load. Must be imported before restify; a no-op where the binding
 * still exists.
 */
const require = createRequire(import.meta.url);
// Not in @types/node: the API is internal, which is why Node could remove the binding.
const proc = process as unknown as { binding(name: string): unknown };
const binding = proc.binding.bind(proc);
let missing = false;
try {
  binding('http_parser');
} catch {
  missing = true;
}
if (missing) {
  proc.binding = (name: string) => {
    if (name !== 'http_parser') return binding(name);
    const { HTTPParser, methods } = require('_http_common') as { HTTPParser: unknown; methods: string[] };
    return { HTTPParser, methods };
  };
}
