/** The API surface `serve` and `dev` mount: every route module and extension of @conclave/server. */
import { API_EXTENSIONS, API_MODULES } from "@conclave/server";

export function serverModules() {
  return { modules: API_MODULES, extensions: API_EXTENSIONS };
}
