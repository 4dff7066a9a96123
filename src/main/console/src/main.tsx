import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { get, logout, onSessionExpired, session } from "./api";
import { Me } from "./model";
import { Login } from "./pages/Login";
import { Clusters } from "./pages/Clusters";
import { Search } from "./pages/Search";
import { ObjectPage } from "./pages/ObjectPage";
import { Events } from "./pages/Events";
import "./style.css";

/** The route is the URL's hash (#/clusters, #/search?..., #/object/..., #/events): no server-side routing needed. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash || "#/clusters");
  useEffect(() => {
    const on = () => setHash(location.hash || "#/clusters");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

function App() {
  const [loggedIn, setLoggedIn] = useState(session() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const route = useRoute();

  useEffect(() => {
    onSessionExpired(() => {
      setNotice("Your session has expired. Log in again.");
      setLoggedIn(false);
      setMe(null);
    });
  }, []);
  useEffect(() => {
    if (loggedIn) get("/api/v1/me").then(setMe).catch(() => undefined);
  }, [loggedIn]);

  if (!loggedIn) {
    return <Login notice={notice} onLogin={() => { setNotice(null); setLoggedIn(true); }} />;
  }
  const [pathPart, queryPart] = route.slice(1).split("?");
  let parts: string[];
  try {
    parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    parts = ["not-found"]; // a malformed % escape: no such page
  }
  const params = new URLSearchParams(queryPart ?? "");
  let page;
  switch (parts[0]) {
    case "search": page = <Search query={params.get("q") ?? ""} />; break;
    case "object": page = <ObjectPage parts={parts.slice(1)} me={me} />; break;
    case "events": page = <Events />; break;
    default: page = <Clusters me={me} selected={parts[1] ?? null} />;
  }
  const nav = (href: string, label: string, key: string) => (
    <a href={href} aria-current={parts[0] === key || (!parts[0] && key === "clusters") ? "page" : undefined}>{label}</a>
  );
  return (
    <>
      <header>
        <strong class="brand">kube-backend</strong>
        <nav aria-label="main">
          {nav("#/clusters", "Clusters", "clusters")}
          {nav("#/search", "Search", "search")}
          {nav("#/events", "Events", "events")}
        </nav>
        <span class="who">{me ? `${me.user} (${me.role})` : ""}</span>
        <button type="button" id="logout" onClick={async () => {
          // The pages (and their streams) close before the token is revoked, so none of them sees it refused.
          const revoked = logout();
          setNotice("You have logged out.");
          setMe(null);
          setLoggedIn(false);
          await revoked;
        }}>Log out</button>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
