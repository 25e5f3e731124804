// Exchanges an API key for a session cookie, then returns to the page that
// sent the user here. Only same-site paths are followed.
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const key = document.getElementById("key").value.trim();
  const resp = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json" },
    body: JSON.stringify({ cookie: true }),
    credentials: "same-origin",
  });
  if (!resp.ok) {
    const problem = await resp.json().catch(() => ({}));
    error.textContent = problem.detail || "Sign-in failed (" + resp.status + ")";
    return;
  }
  const next = new URLSearchParams(location.search).get("next") || "/riverui/";
  location.assign(next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/riverui/");
});
