// Module resolution hook (node:module register) that reports every URL the
// ESM loader resolves to the port it was given: test/package-surface.test.ts
// uses it to list what an import pulled in.
let port;
export function initialize(data) {
  port = data.port;
}
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  port.postMessage(result.url);
  return result;
}
