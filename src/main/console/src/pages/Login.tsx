import { useState } from "preact/hooks";
import { ApiError, login } from "../api";

export function Login({ notice, onLogin }: { notice: string | null; onLogin: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      await login(String(data.get("username") ?? ""), String(data.get("password") ?? ""));
      onLogin();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError("Wrong user name or password.");
      else if (err instanceof ApiError && err.status === 429) setError("Too many login attempts: " + err.message);
      else setError("Login failed: " + (err instanceof Error ? err.message : String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>kube-backend</h1>
      <form onSubmit={submit} aria-describedby="login-status">
        <label>User name <input name="username" autocomplete="username" required autofocus /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit" disabled={busy}>Log in</button>
      </form>
      <p id="login-status" role="status" aria-live="polite" class={error ? "error" : "notice"}>
        {error ?? notice ?? ""}
      </p>
    </main>
  );
}
