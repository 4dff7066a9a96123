// What the console knows about the caller (its grants, for showing only the actions the role allows) and about each
// cluster's kinds (to turn a listed object into its API path). The server still decides every request.
import { get, path } from "./api";

export interface Grant {
  cluster: string;
  namespace: string;
  kind: string;
  read: boolean;
  write: boolean;
}

export interface Me {
  user: string;
  role: string;
  admin: boolean;
  grants: Grant[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  state: string;
  objects: number;
  lastEventAgeSeconds: number | null;
  lastError: string | null;
}

export interface ClusterDetail {
  id: string;
  source: string;
  state: string;
  objects: number;
  lastError: string | null;
  lastEventAgeSeconds: number | null;
  mirroredBy: string | null;
  resources: ResourceInfo[];
}

/** The kubesys fullkind of a grant: Kind for the core group, group.Kind otherwise. */
export function fullKind(group: string, kind: string): string {
  return group ? group + "." + kind : kind;
}

/** Whether some grant of the caller allows writing this kind in this namespace of this cluster (a display hint). */
export function mayWrite(me: Me | null, cluster: string, namespace: string, group: string, kind: string): boolean {
  if (!me) return false;
  if (me.admin) return true;
  const fk = fullKind(group, kind);
  return me.grants.some((g) => g.write && (g.cluster === "*" || g.cluster === cluster)
    && (g.namespace === "*" || g.namespace === namespace) && (g.kind === "*" || g.kind === fk));
}

const details = new Map<string, Promise<ClusterDetail>>();

/** A cluster's detail (its kinds), fetched once per page load. */
export function clusterDetail(id: string, fresh = false): Promise<ClusterDetail> {
  if (fresh || !details.has(id)) {
    const p = get(path("api", "v1", "clusters", id)) as Promise<ClusterDetail>;
    details.set(id, p);
    p.catch(() => details.delete(id));
  }
  return details.get(id)!;
}

/** Where an object lives: enough to build its API path. */
export interface ObjectRef {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
}

/** The kind's resource in the cluster (by apiVersion and kind), from the cluster's detail. */
export async function refOf(cluster: string, apiVersion: string, kind: string, namespace: string, name: string):
  Promise<ObjectRef | null> {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  try {
    const d = await clusterDetail(cluster);
    const r = d.resources.find((x) => x.group === group && x.kind === kind);
    return r ? { cluster, group, version: r.version, resource: r.resource, namespace, name } : null;
  } catch {
    return null;
  }
}

/** The native API path of an object (each segment encoded). */
export function apiPath(r: ObjectRef): string {
  const segs = ["api", "v1", "clusters", r.cluster];
  segs.push(...(r.group ? ["apis", r.group, r.version] : ["api", r.version]));
  if (r.namespace) segs.push("namespaces", r.namespace);
  segs.push(r.resource, r.name);
  return path(...segs);
}

/** The console's own route to an object page. */
export function objectRoute(r: ObjectRef): string {
  return "#/object/" + [r.cluster, r.group || "core", r.version, r.resource, r.namespace || "-", r.name]
    .map(encodeURIComponent).join("/");
}

export function parseObjectRoute(parts: string[]): ObjectRef | null {
  if (parts.length !== 6 || parts.some((p) => p === "" || p === "." || p === "..")) return null;
  const [cluster, group, version, resource, namespace, name] = parts;
  return { cluster, group: group === "core" ? "" : group, version, resource, namespace: namespace === "-" ? "" : namespace,
    name };
}

/** "3m", "2h", "5d": the age of a timestamp, as kubectl prints it. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return "";
  return duration((now - Date.parse(timestamp)) / 1000);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "";
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return s + "s";
  if (s < 7200) return Math.floor(s / 60) + "m";
  if (s < 172800) return Math.floor(s / 3600) + "h";
  return Math.floor(s / 86400) + "d";
}
