import { useEffect, useState } from "preact/hooks";
import { get, path, request } from "../api";
import { ClusterDetail, duration, Me } from "../model";

interface ClusterSummary {
  id: string;
  source: string;
  state: string;
  objects: number;
  resources: number;
  lastError: string | null;
  lastEventAgeSeconds: number | null;
  mirroredBy: string | null;
}

/** Every cluster the user may read with its sync state; one cluster's resources; admins register and remove. */
export function Clusters({ me, selected }: { me: Me | null; selected: string | null }) {
  const [clusters, setClusters] = useState<ClusterSummary[] | null>(null);
  const [detail, setDetail] = useState<ClusterDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    get("/api/v1/clusters").then((c) => { setClusters(c); setError(null); })
      .catch((e) => setError(e.message));
  }, [tick]);
  useEffect(() => {
    if (!selected) { setDetail(null); return; }
    Promise.resolve().then(() => get(path("api", "v1", "clusters", selected))).then(setDetail)
      .catch((e) => setError(e.message));
  }, [selected, tick]);

  const remove = async (id: string) => {
    try {
      await request("DELETE", path("api", "v1", "clusters", id));
      setTick((n) => n + 1);
      if (selected === id) location.hash = "#/clusters";
    } catch (e: any) {
      setError(e.message);
    }
  };

  return (
    <section aria-labelledby="clusters-title">
      <h1 id="clusters-title">Clusters</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {clusters === null ? <p>Loading…</p> : (
        <table id="clusters">
          <thead><tr><th>Cluster</th><th>State</th><th>Objects</th><th>Resources</th><th>Last event</th>
            <th>Mirrored by</th><th>Last error</th>{me?.admin && <th><span class="sr-only">Actions</span></th>}</tr></thead>
          <tbody>
            {clusters.map((c) => (
              <tr key={c.id} data-cluster={c.id}>
                <td><a href={"#/clusters/" + encodeURIComponent(c.id)}>{c.id}</a></td>
                <td><span class={"state " + c.state} data-state={c.state}>{c.state}</span></td>
                <td class="num">{c.objects}</td>
                <td class="num">{c.resources}</td>
                <td>{c.lastEventAgeSeconds === null ? "" : duration(c.lastEventAgeSeconds) + " ago"}</td>
                <td>{c.mirroredBy ?? ""}</td>
                <td class="error">{c.lastError ?? ""}</td>
                {me?.admin && <td>{c.source === "api" &&
                  <button type="button" class="danger" onClick={() => remove(c.id)}
                    aria-label={"Remove cluster " + c.id}>Remove</button>}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail && <Resources detail={detail} />}
      {me?.admin && <Register onDone={() => setTick((n) => n + 1)} />}
    </section>
  );
}

function Resources({ detail }: { detail: ClusterDetail }) {
  return (
    <section aria-labelledby="resources-title">
      <h2 id="resources-title">Resources of {detail.id}</h2>
      <table id="resources">
        <thead><tr><th>Kind</th><th>Group</th><th>Version</th><th>State</th><th>Objects</th><th>Last event</th>
          <th>Last error</th></tr></thead>
        <tbody>
          {detail.resources.map((r) => (
            <tr key={r.group + "/" + r.resource}>
              <td><a href={"#/search?q=" + encodeURIComponent("cluster=" + detail.id + "&group=" + r.group
                + "&resource=" + r.resource)}>{r.kind}</a></td>
              <td>{r.group || "core"}</td>
              <td>{r.version}</td>
              <td><span class={"state " + r.state}>{r.state}</span></td>
              <td class="num">{r.objects}</td>
              <td>{r.lastEventAgeSeconds === null ? "" : duration(r.lastEventAgeSeconds) + " ago"}</td>
              <td class="error">{r.lastError ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Register({ onDone }: { onDone: () => void }) {
  const [status, setStatus] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get("kubeconfig") as File | null;
    if (!file || file.size === 0) { setFailed(true); setStatus("Choose a kubeconfig file."); return; }
    const body: Record<string, unknown> = { id: String(data.get("id")), kubeconfig: await file.text() };
    const context = String(data.get("context") ?? "").trim();
    if (context) body.context = context;
    try {
      await request("POST", "/api/v1/clusters", body);
      setFailed(false);
      setStatus("Registered " + body.id + ".");
      form.reset();
      onDone();
    } catch (err: any) {
      setFailed(true);
      setStatus(err.message);
    }
  };
  return (
    <section aria-labelledby="register-title">
      <h2 id="register-title">Register a cluster</h2>
      <form id="register" onSubmit={submit}>
        <label>Cluster id <input name="id" required pattern="[a-z0-9]([a-z0-9.\-]*[a-z0-9])?" /></label>
        <label>Kubeconfig <input name="kubeconfig" type="file" required /></label>
        <label>Context (optional) <input name="context" /></label>
        <button type="submit">Register</button>
      </form>
      <p role="status" aria-live="polite" class={failed ? "error" : "notice"}>{status ?? ""}</p>
    </section>
  );
}
