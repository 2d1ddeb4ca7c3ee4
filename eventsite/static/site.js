// Small enhancements only: every page works the same without this file.

// A summary that belongs further down the page (the answer form's) moves there first:
// without JavaScript it stays at the top, where the page opens.
for (const moving of document.querySelectorAll("[data-move-after]")) {
  document.getElementById(moving.dataset.moveAfter)?.after(moving);
}

// After a form comes back with errors, move focus to the summary so it is read first;
// a series' first dates, shown before they are made, likewise.
(document.querySelector(".error-summary") ?? document.getElementById("preview"))?.focus();

// "Copy" beside a feed address (the button stays hidden without JavaScript). What it then
// says comes translated from the page: data-copied, data-selected.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${button.dataset.copy}-status`);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = button.dataset.copied;
    } catch {
      input.select();
      status.textContent = button.dataset.selected;
    }
  });
}

// The list's filters leave empty fields out of the address, so links people share stay
// short (without JavaScript the server redirects to the same short address).
for (const form of document.querySelectorAll("form.filters")) {
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of [...event.formData]) {
      if (typeof value === "string" && !value.trim()) event.formData.delete(name);
    }
  });
}

// Wide screens always show the folded filters; site.css does it where ::details-content exists.
if (!CSS.supports("selector(::details-content)") && matchMedia("(width > 40rem)").matches) {
  for (const details of document.querySelectorAll("details.filter-disclosure")) details.open = true;
}

// A gathering's time in the visitor's own zone too, when their clock differs from the
// gathering's then: "19:00 – 21:00 (GMT, Europe/London)", and below it "14:00–16:00 your
// time", with the day when that is another one. The words come translated from the page
// (data-your-time, where the time goes at %(time)s); the time is written in the page's language.
const yourZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (yourZone && Intl.DateTimeFormat.prototype.formatRange) {
  for (const when of document.querySelectorAll("[data-your-time]")) {
    const starts = new Date(when.dataset.starts);
    const ends = new Date(when.dataset.ends);
    const zone = when.dataset.zone;
    const sameClock = (instant) => wallClock(instant, zone) === wallClock(instant, yourZone);
    if (sameClock(starts) && sameClock(ends)) continue;
    const yourDay = calendarDay(starts, yourZone);
    const anotherDay = yourDay !== calendarDay(starts, zone) || yourDay !== calendarDay(ends, yourZone);
    const format = new Intl.DateTimeFormat(document.documentElement.lang, {
      ...(anotherDay && { weekday: "short", day: "numeric", month: "short" }),
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23", // as the server writes times (HH:mm), in every language
    });
    const yours = document.createElement("span");
    yours.className = "your-time";
    yours.textContent = when.dataset.yourTime.replace("%(time)s", format.formatRange(starts, ends));
    when.append(" ", yours);
  }
}

// The date and time a zone's clocks show at an instant, to the minute: two zones show the
// same exactly when their offsets from UTC are the same then.
function wallClock(instant, timeZone) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "short", timeStyle: "short" }).format(instant);
}

function calendarDay(instant, timeZone) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "short" }).format(instant);
}
