/**
 * The OpenAPI 3.1 document, built from the same route declarations that validate requests,
 * and a docs page that renders it without any external script (the server may run offline).
 */
import type { RouteSpec } from "./route.ts";
import { jsonSchemaOf } from "./route.ts";

const ERROR_SCHEMA = {
  type: "object",
  required: ["detail", "code"],
  properties: {
    detail: { type: "string" },
    code: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

function pathOf(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, "{$1}");
}

function parametersOf(route: RouteSpec): object[] {
  const parameters: object[] = [];
  for (const [where, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchemaOf(schema) as {
      properties?: Record<string, object>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === "path" || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return parameters;
}

function operationOf(route: RouteSpec): Record<string, unknown> {
  const success = route.stream
    ? {
        description: "Server-sent events",
        content: { "text/event-stream": { schema: { type: "string" } } },
      }
    : route.response
      ? {
          description: "OK",
          content: { "application/json": { schema: jsonSchemaOf(route.response, "output") } },
        }
      : { description: route.status === 204 ? "No content" : "OK" };
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  const responses: Record<string, unknown> = {
    [String(route.status ?? 200)]: success,
    "422": error("Invalid request"),
  };
  if (route.scope)
    Object.assign(responses, {
      "401": error("Missing or unknown API key"),
      "403": error("Missing scope"),
      "429": error("Rate limited"),
    });
  if (route.url.includes(":")) responses["404"] = error("Not found");
  return {
    summary: route.summary,
    tags: route.tags,
    operationId: `${route.method.toLowerCase()}${route.url.replace(/[/:{}_-]+(\w)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    parameters: parametersOf(route),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchemaOf(route.body) } },
          },
        }
      : {}),
    responses,
    ...(route.scope
      ? { security: [{ bearer: [] }, { apiKey: [] }], "x-scope": route.scope }
      : { security: [] }),
  };
}

export function openApiDocument(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = pathOf(route.url);
    paths[key] = { ...paths[key], [route.method.toLowerCase()]: operationOf(route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Conclave API",
      version,
      description:
        "Durable multi-agent runs. LangGraph Platform-compatible, plus OpenAI-compatible chat.",
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  };
}

/** A self-contained page listing every operation with its schemas. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conclave API</title>
<style>body{font:14px system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem}details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .8rem}
code.m{display:inline-block;min-width:4rem;font-weight:600}pre{background:#f6f6f6;padding:.6rem;overflow:auto}</style></head>
<body><h1>Conclave API</h1><p>The machine-readable spec is at <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script>
fetch("/openapi.json").then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))
    (byTag[op.tags?.[0]??"other"]??=[]).push({path,method,op});
  const esc=s=>String(s).replace(/[&<>]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;"})[c]);
  document.getElementById("ops").innerHTML=Object.entries(byTag).map(([tag,ops])=>"<h2>"+esc(tag)+"</h2>"+ops.map(({path,method,op})=>
    "<details><summary><code class=m>"+method.toUpperCase()+"</code> <code>"+esc(path)+"</code> "+esc(op.summary??"")+(op["x-scope"]?" <small>("+esc(op["x-scope"])+")</small>":"")+"</summary>"+
    (op.requestBody?"<p>Body</p><pre>"+esc(JSON.stringify(op.requestBody.content["application/json"].schema,null,2))+"</pre>":"")+
    (op.parameters?.length?"<p>Parameters</p><pre>"+esc(JSON.stringify(op.parameters,null,2))+"</pre>":"")+"</details>").join("")).join("");
});
</script></body></html>`;
