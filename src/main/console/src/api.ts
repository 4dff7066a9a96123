// The one way the console talks to kube-backend: bearer token from sessionStorage, errors as ApiError with the
// server's message, and a 401 on a request made with a token ends the session (back to the login form).

const SESSION_KEY = "kb.session";

export interface Session {
  token: string;
  user: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

let expiredListener: (() => void) | null = null;

/** The server no longer accepts the token: forget it and show the login form. */
export function sessionExpired() {
  if (!session()) return;
  sessionStorage.removeItem(SESSION_KEY);
  expiredListener?.();
}

/** Called once by the app: what to do when the server no longer accepts the token. */
export function onSessionExpired(listener: () => void) {
  expiredListener = listener;
}

export function session(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s.token && s.user ? s : null;
  } catch {
    return null;
  }
}

function authHeaders(): Record<string, string> {
  const s = session();
  return s ? { authorization: "Bearer " + s.token, user: s.user } : {};
}

/** The message of an error body in either shape (native Status or kubesys), else the status line. */
async function errorOf(res: Response): Promise<ApiError> {
  let message = res.status + " " + res.statusText;
  try {
    const body = await res.json();
    if (body && typeof body.message === "string" && body.message) message = body.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message);
}

export async function request(method: string, path: string, body?: unknown, contentType = "application/json"):
  Promise<any> {
  const headers: Record<string, string> = { ...authHeaders(), accept: "application/json" };
  if (body !== undefined) headers["content-type"] = contentType;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) sessionExpired();
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path: string) => request("GET", path);

function base64Utf8(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The existing kubesys login: the password goes base64-encoded, the token comes back as data. */
export async function login(user: string, password: string): Promise<void> {
  const res = await fetch("/kubesys/system/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "User", data: { name: user, password: base64Utf8(password) } }),
  });
  if (!res.ok) throw await errorOf(res);
  const body = await res.json();
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: body.data, user }));
}

/** Forgets the token at once (a reload meanwhile does not log back in), then asks the server to revoke it. */
export async function logout(): Promise<void> {
  const headers = authHeaders();
  sessionStorage.removeItem(SESSION_KEY);
  await fetch("/kubesys/system/logout", { method: "POST", headers }).catch(() => undefined);
}

/**
 * Builds a path from segments, each percent-encoded on its own. "." and ".." are refused: encoded they stay dot
 * segments, which the browser would resolve, pointing a request at another object.
 */
export function path(...segments: string[]): string {
  for (const s of segments) {
    if (s === "" || s === "." || s === "..") throw new ApiError(400, "not a valid path segment: \"" + s + "\"");
  }
  return "/" + segments.map(encodeURIComponent).join("/");
}

export function withQuery(p: string, params: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  }
  const s = q.toString();
  return s ? p + "?" + s : p;
}
