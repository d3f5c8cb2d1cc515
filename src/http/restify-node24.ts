import { createRequire } from 'node:module';

/**
 * restify 11 loads spdy, whose http-deceiver reads process.binding('http_parser') as it loads. Node 24
 * removed that binding (restify/node-restify#1984), so restify could not even be imported, and Node 20
 * prints DEP0111 for each of the two reads. spdy runs only with the `spdy` server option, which this
 * service never passes: answering 'http_parser' with the same two fields from Node's own _http_common
 * lets restify load, and since the deprecated binding is then never called, nothing is printed (no
 * warning is hidden: the call is not made). Every other name goes to the real process.binding. Must be
 * imported before restify.
 */
const require = createRequire(import.meta.url);
// Not in @types/node: the API is internal, which is why Node deprecated and then removed the binding.
const proc = process as unknown as { binding(name: string): unknown };
const binding = proc.binding.bind(proc);
proc.binding = (name: string) => {
  if (name !== 'http_parser') return binding(name);
  const { HTTPParser, methods } = require('_http_common') as { HTTPParser: unknown; methods: string[] };
  return { HTTPParser, methods };
};
