import { useEffect, useState } from "preact/hooks";
import YAML from "yaml";
import { ApiError, get, request, withQuery } from "../api";
import { ChangeEvent, follow, OP_NAMES } from "../events";
import { apiPath, Me, mayWrite, ObjectRef, objectRoute, parseObjectRoute, refOf } from "../model";


interface Linked {
  label: string;
  ref: ObjectRef | null;
}

/** One object: its YAML (edit and apply, delete), owners and descendants, and its change events, live. */
export function ObjectPage({ parts, me }: { parts: string[]; me: Me | null }) {
  const ref = parseObjectRoute(parts);
  const [obj, setObj] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [events, setEvents] = useState<ChangeEvent[]>([]);
  const [owners, setOwners] = useState<Linked[]>([]);
  const [descendants, setDescendants] = useState<Linked[]>([]);
  const [gone, setGone] = useState(false);
  const key = parts.join("/");

  const [reads, setReads] = useState(0);
  useEffect(() => {
    if (!ref) return;
    setObj(null); setError(null); setEditing(null); setEvents([]); setGone(false); setStatus(null);
  }, [key]);
  // The object as the API answers it: its resourceVersion is the one a write must send back (the mirror's, not the
  // cluster's that the change events carry), so a change is shown by reading the object again.
  useEffect(() => {
    if (!ref) return;
    let live = true; // a late answer for another object (or an older read) is dropped
    get(apiPath(ref)).then((o) => { if (live) { setObj(o); setGone(false); setError(null); } }).catch((e) => {
      if (!live) return;
      if (e instanceof ApiError && e.status === 404) setGone(true);
      else setError(e.message);
    });
    return () => { live = false; };
  }, [key, reads]);

  // Its change events, oldest first from the outbox, then live: the view follows the object as it changes.
  useEffect(() => {
    if (!ref) return;
    let pending: number | undefined;
    const stop = follow({ cluster: ref.cluster, group: ref.group || undefined, resource: ref.resource,
      namespace: ref.namespace || undefined, name: ref.name, from: "oldest" }, {
      onEvent: (e) => {
        // The stream cannot select the core group (an empty group means any): the rest is checked here.
        if (e.cluster !== ref.cluster || e.group !== ref.group || e.resource !== ref.resource
          || e.namespace !== ref.namespace || e.name !== ref.name) return;
        setEvents((list) => [e, ...list].slice(0, 20));
        if (e.op === "d") setGone(true);
        else if (pending === undefined) {
          pending = window.setTimeout(() => { pending = undefined; setReads((n) => n + 1); }, 300);
        }
      },
    });
    return () => { stop(); if (pending !== undefined) clearTimeout(pending); };
  }, [key]);

  const uid = obj?.metadata?.uid;
  useEffect(() => {
    if (!ref || !obj) return;
    Promise.all((obj.metadata?.ownerReferences ?? []).map(async (o: any) => ({
      label: o.kind + " " + o.name,
      ref: await refOf(ref.cluster, o.apiVersion, o.kind, ref.namespace, o.name),
    }))).then(setOwners);
  }, [uid]);
  useEffect(() => {
    if (!ref || !uid) return;
    get(withQuery("/api/v1/query", { cluster: ref.cluster, descendantsOf: uid, limit: "100",
      fields: "metadata.creationTimestamp" })).then(async (list) => {
      setDescendants(await Promise.all((list.items ?? []).map(async (o: any) => ({
        label: o.kind + " " + o.metadata.name,
        ref: await refOf(ref.cluster, o.apiVersion, o.kind, o.metadata.namespace ?? "", o.metadata.name),
      }))));
    }).catch(() => setDescendants([]));
  }, [uid, reads]);

  if (!ref) return <p role="alert" class="error">Not an object address.</p>;
  const writable = obj && mayWrite(me, ref.cluster, ref.namespace, ref.group, obj.kind);

  const apply = async () => {
    if (editing === null) return;
    let body: unknown;
    try {
      body = YAML.parse(editing);
    } catch (e: any) {
      setStatus("The YAML does not parse: " + e.message);
      return;
    }
    try {
      const updated = await request("PUT", apiPath(ref), body);
      setObj(updated);
      setEditing(null);
      setStatus("Applied: resourceVersion " + updated.metadata?.resourceVersion + ".");
    } catch (e) {
      setStatus("The apiserver refused it: " + (e instanceof ApiError ? e.message : String(e)));
    }
  };
  const remove = async () => {
    try {
      await request("DELETE", apiPath(ref));
      setConfirming(false);
      setStatus("Deleted.");
      setGone(true);
    } catch (e) {
      setStatus("The delete was refused: " + (e instanceof ApiError ? e.message : String(e)));
    }
  };

  return (
    <section aria-labelledby="object-title">
      <h1 id="object-title">{obj?.kind ?? ref.resource} {ref.namespace ? ref.namespace + "/" : ""}{ref.name}
        <small> in {ref.cluster}</small></h1>
      {error && <p role="alert" class="error">{error}</p>}
      <p role="status" aria-live="polite" id="object-status">{status ?? ""}{gone ? " The object no longer exists." : ""}</p>
      {obj && (
        <div class="object">
          <div class="yaml">
            {writable && editing === null && !gone && (
              <div class="actions">
                <button type="button" id="edit" onClick={() => { setEditing(YAML.stringify(obj)); setStatus(null); }}>
                  Edit</button>
                {!confirming && <button type="button" id="delete" class="danger"
                  onClick={() => setConfirming(true)}>Delete</button>}
                {confirming && (
                  <span role="group" aria-label="confirm the delete">
                    Delete {ref.name}? <button type="button" id="confirm-delete" class="danger" onClick={remove}>
                      Yes, delete</button>
                    <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
                  </span>
                )}
              </div>
            )}
            {editing === null ? <pre id="yaml" tabIndex={0}>{YAML.stringify(obj)}</pre> : (
              <>
                <label for="yaml-edit">YAML</label>
                <textarea id="yaml-edit" rows={30} value={editing} spellcheck={false}
                  onInput={(e) => setEditing((e.target as HTMLTextAreaElement).value)} />
                <div class="actions">
                  <button type="button" id="apply" onClick={apply}>Apply</button>
                  <button type="button" onClick={() => setEditing(null)}>Cancel</button>
                </div>
              </>
            )}
          </div>
          <aside>
            <h2>Owners</h2>
            <LinkList items={owners} empty="none" />
            <h2>Descendants</h2>
            <LinkList items={descendants} empty="none" id="descendants" />
            <h2>Recent changes</h2>
            <ol id="changes" class="changes">
              {events.map((e) => (
                <li key={e.seq}>{OP_NAMES[e.op] ?? e.op} · rv {e.resourceVersion} · {new Date(e.ts).toLocaleTimeString()}</li>
              ))}
            </ol>
          </aside>
        </div>
      )}
    </section>
  );
}

function LinkList({ items, empty, id }: { items: Linked[]; empty: string; id?: string }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul id={id}>
      {items.map((i) => <li key={i.label}>{i.ref ? <a href={objectRoute(i.ref)}>{i.label}</a> : i.label}</li>)}
    </ul>
  );
}
