// Check-in page (events): camera QR reading, name search, and an offline queue.
// Online, each check-in goes straight to the server. Offline (or when the request fails), the
// ticket is recognised against the roster this device keeps (ticket hashes only), queued in
// IndexedDB with a client-generated id, and sent when the connection returns; the server answers
// each id once and merges two devices' check-ins of one person into one attendance.
const root = document.getElementById("checkin");
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const eventId = root.dataset.event;
const idb = await import(root.dataset.idbUrl);
const store = idb.createStore("htx-checkin", "kv");
const QUEUE = `queue:${eventId}`;
const ROSTER = `roster:${eventId}`;

let device = localStorage.getItem("htx-checkin-device");
if (!device) {
  device = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).slice(0, 36);
  localStorage.setItem("htx-checkin-device", device);
}
let roster = { people: [], sessions: [] };
const present = new Map(); // session id -> Set(registration id)

function fold(text) {
  return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d")
    .toLowerCase().replace(/\s+/g, " ").trim();
}
function session() { return Number($("checkin-session").value); }
function presentSet(s) { if (!present.has(s)) present.set(s, new Set()); return present.get(s); }
function newId() { return `${device.slice(0, 8)}-${crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random()}`; }

function show(kind, text) {
  const box = $("checkin-result");
  box.className = `alert checkin-result small mb-2 alert-${kind}`;
  box.textContent = text;
  box.dataset.kind = kind;
}
function log(kind, text) {
  const li = document.createElement("li");
  li.className = `list-group-item px-0 text-${kind === "success" ? "success" : kind === "danger" ? "danger" : "body"}`;
  li.textContent = `${new Date().toLocaleTimeString("vi-VN")} · ${text}`;
  $("checkin-log").prepend(li);
}
async function queue() { return (await idb.get(QUEUE, store)) || []; }
async function counts() {
  $("checkin-queue").textContent = (await queue()).length;
  $("checkin-present").textContent = presentSet(session()).size;
  $("checkin-total").textContent = roster.people.length;
  const online = navigator.onLine;
  const net = $("checkin-net");
  net.textContent = online ? "Trực tuyến" : "Ngoại tuyến";
  net.className = `badge text-nowrap ${online ? "text-bg-success" : "text-bg-warning"}`;
}

function applyRoster(data) {
  roster = data;
  present.clear();
  for (const p of roster.people) for (const s of p.s || []) presentSet(s).add(p.id);
}
async function loadRoster() {
  try {
    const response = await fetch(`${root.dataset.rosterUrl}?device=${encodeURIComponent(device)}`,
                                 { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    await idb.set(ROSTER, data, store);
    applyRoster(data);
  } catch (error) {
    const saved = await idb.get(ROSTER, store);
    if (saved) applyRoster(saved);
    else show("warning", "Chưa tải được danh sách người đăng ký: cần mạng lần đầu mở trang.");
  }
  for (const item of await queue()) if (item.registration) presentSet(item.session).add(item.registration);
  await counts();
}

function tokenOf(text) {
  text = (text || "").trim();
  const at = text.indexOf("/t/");
  if (at >= 0) text = text.slice(at + 3).replace(/\/.*$/, "");
  return text;
}
async function hashOf(token) {
  if (!crypto.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

async function post(items) {
  const response = await fetch(root.dataset.syncUrl, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ device, items }),
  });
  if (!response.ok) throw new Error(String(response.status));
  return (await response.json()).results;
}

function report(answer) {
  const kind = answer.result === "recorded" ? "success" : answer.result === "duplicate" ? "warning" : "danger";
  const text = answer.conflict ? `${answer.message} (trùng với thiết bị khác: đã gộp)` : answer.message;
  show(kind, text);
  log(kind, text);
  if (answer.registration && answer.result !== "refused") presentSet(Number(answer.session || session())).add(answer.registration);
}

async function checkIn(item) {
  item = { id: newId(), session: session(), at: new Date().toISOString(), ...item };
  if (navigator.onLine) {
    try {
      const [answer] = await post([item]);
      report({ ...answer, session: item.session });
      await counts();
      return;
    } catch (error) { /* the network failed under us: queue it */ }
  }
  await enqueue(item);
}

async function enqueue(item) {
  // Offline: recognise the person on this device's roster, refuse what is not on it.
  let person = null;
  if (item.registration) person = roster.people.find((p) => p.id === item.registration);
  else {
    const key = await hashOf(item.token);
    person = key && roster.people.find((p) => p.k === key);
    if (key && !person) {
      const text = "Vé không hợp lệ hoặc không thuộc sự kiện này (kiểm tra ngoại tuyến).";
      show("danger", text); log("danger", text); return;
    }
  }
  if (person && presentSet(item.session).has(person.id)) {
    const text = `${person.name} đã điểm danh buổi này.`;
    show("warning", text); log("warning", text); return;
  }
  item.offline = true;
  if (person) { item.registration = item.registration || undefined; presentSet(item.session).add(person.id); }
  // One IndexedDB transaction reads and writes the queue: two scans in quick succession must not
  // both read the old queue and the second write drop the first's check-in.
  const entry = { ...item, registration: person ? person.id : item.registration };
  await idb.update(QUEUE, (items) => [...(items || []), entry], store);
  const text = `${person ? person.name : "Vé"}: đã ghi trên máy, sẽ gửi khi có mạng.`;
  show("info", text); log("info", text);
  await counts();
}

let syncing = false;
async function sync() {
  if (syncing || !navigator.onLine) return;
  syncing = true;
  try {
    const items = await queue();
    if (!items.length) return;
    // A queued ticket keeps its token: the server checks it again (the roster may be old).
    const payload = items.map((i) => (i.token ? { ...i, registration: undefined } : i));
    const answers = await post(payload);
    const done = new Set(answers.map((a) => a.id));
    for (const answer of answers) report(answer);
    // Check-ins queued while this one was sending stay: remove only what the server answered.
    await idb.update(QUEUE, (left) => (left || []).filter((i) => !done.has(i.id)), store);
    if (answers.length) show("success", `Đã gửi ${answers.length} lượt điểm danh ghi khi mất mạng.`);
  } catch (error) {
    /* still offline: try again later */
  } finally {
    syncing = false;
    await counts();
  }
}

function search() {
  const q = fold($("checkin-search").value);
  const list = $("checkin-matches");
  list.replaceChildren();
  if (q.length < 2) return;
  for (const p of roster.people.filter((x) => fold(x.name).includes(q)).slice(0, 8)) {
    const li = document.createElement("li");
    li.className = "list-group-item px-0 d-flex justify-content-between align-items-center gap-2";
    const label = document.createElement("span");
    label.textContent = p.org ? `${p.name} · ${p.org}` : p.name;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-success";
    const done = presentSet(session()).has(p.id);
    button.textContent = done ? "Đã có mặt" : "Điểm danh";
    button.disabled = done;
    button.addEventListener("click", async () => { await checkIn({ registration: p.id }); search(); });
    li.append(label, button);
    list.append(li);
  }
}

let scanner = null;
let lastText = "";
let lastAt = 0;
async function camera() {
  const video = $("checkin-video");
  if (scanner) { scanner.stop(); scanner = null; video.classList.add("d-none"); return; }
  try {
    const { default: QrScanner } = await import(root.dataset.scannerUrl);
    scanner = new QrScanner(video, (result) => {
      const text = result.data || result;
      const now = Date.now();
      if (text === lastText && now - lastAt < 4000) return; // the same code held in front of the camera
      lastText = text; lastAt = now;
      checkIn({ token: tokenOf(text) });
    }, { returnDetailedScanResult: true, highlightScanRegion: true });
    video.classList.remove("d-none");
    await scanner.start();
  } catch (error) {
    show("warning", "Không mở được camera: dùng ô mã vé hoặc tìm theo tên.");
  }
}

$("checkin-token-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = tokenOf($("checkin-token").value);
  $("checkin-token").value = "";
  if (token) await checkIn({ token });
});
$("checkin-search").addEventListener("input", search);
$("checkin-session").addEventListener("change", () => { counts(); search(); });
$("checkin-camera").addEventListener("click", camera);
window.addEventListener("online", () => { counts(); sync(); });
window.addEventListener("offline", counts);
setInterval(sync, 15000);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/events/" }).catch(() => {});
}
await loadRoster();
await sync();
root.dataset.ready = "1";
