import { useEffect, useState } from "preact/hooks";
import { ChangeEvent, follow, OP_NAMES } from "../events";
import { objectRoute } from "../model";

const KEEP = 200;

interface Filter {
  cluster: string;
  kind: string;
  namespace: string;
}

/** The change stream as it happens, filtered by cluster, kind and namespace; resumes after a reconnect. */
export function Events() {
  const [filter, setFilter] = useState<Filter>({ cluster: "", kind: "", namespace: "" });
  const [events, setEvents] = useState<ChangeEvent[]>([]);
  const [state, setState] = useState("connecting");

  useEffect(() => {
    setEvents([]);
    setState("connecting");
    return follow({ cluster: filter.cluster || undefined, kind: filter.kind || undefined,
      namespace: filter.namespace || undefined, from: "latest" }, {
      onEvent: (e) => setEvents((list) => [e, ...list].slice(0, KEEP)),
      onState: (s, detail) => setState(detail ? s + ": " + detail : s),
    });
  }, [filter.cluster, filter.kind, filter.namespace]);

  const submit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    setFilter({ cluster: String(data.get("cluster") ?? "").trim(), kind: String(data.get("kind") ?? "").trim(),
      namespace: String(data.get("namespace") ?? "").trim() });
  };

  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <form class="filters" onSubmit={submit}>
        <label>Cluster <input name="cluster" /></label>
        <label>Kind <input name="kind" placeholder="ConfigMap" /></label>
        <label>Namespace <input name="namespace" /></label>
        <button type="submit">Filter</button>
      </form>
      <p role="status" id="stream-state">Stream {state}</p>
      <table id="events">
        <thead><tr><th>Seq</th><th>Time</th><th>Change</th><th>Cluster</th><th>Kind</th><th>Namespace</th>
          <th>Name</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.seq}>
              <td class="num">{e.seq}</td>
              <td>{new Date(e.ts).toLocaleTimeString()}</td>
              <td>{OP_NAMES[e.op] ?? e.op}</td>
              <td>{e.cluster}</td>
              <td>{e.kind}</td>
              <td>{e.namespace}</td>
              <td>{e.op === "d" ? e.name : <a href={objectRoute({ cluster: e.cluster, group: e.group, version: e.version,
                resource: e.resource, namespace: e.namespace, name: e.name })}>{e.name}</a>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
