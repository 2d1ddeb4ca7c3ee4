// Read an iCalendar file as Thunderbird does, with ical.js, and print its events as JSON.
//
//   node tests/js/ical_starts.mjs [file.ics]      (or the file on stdin)
//
// The file's own VTIMEZONEs are registered in ICAL.TimezoneService first, as
// Thunderbird registers the zones it knows, so every TZID is read through the
// VTIMEZONE we wrote: start and end are UTC instants as ical.js computes them.
// "zone" is the TZID ical.js resolved ("UTC" for Z times, "floating" if none).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

function instant(time) {
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: instant(event.startDate),
    end: instant(event.endDate),
    zone: event.startDate.zone ? event.startDate.zone.tzid : "floating",
    end_zone: event.endDate.zone ? event.endDate.zone.tzid : "floating",
  };
});
process.stdout.write(JSON.stringify({ timezones: calendar.getAllSubcomponents("vtimezone").length, events }, null, 1));
