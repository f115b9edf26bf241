// The working days left to deadlines, counted by the hazards service (GET /calendar/working-days-left)
// from its own clock with the calendar every service counts its time limits with: the holidays and
// make-up working days of each year's notice. One request answers every deadline a page shows.
import { call } from "./session.js";

const MOST = 200; // the API's bound per request
// The shortest form of an instant, which a query string carries unescaped: 200 of them stay well
// within the 8 KB request line a gateway accepts.
const short = (iso) => new Date(iso).toISOString().replace(".000Z", "Z");

/** Map: each deadline as given → the API's count for it ({working_days_left, overdue, provisional,
 * last_day, until}) with the service's `now` and `today`. */
export async function workingDaysLeft(deadlines) {
  const unique = [...new Set(deadlines.filter(Boolean))];
  const counts = new Map();
  for (let start = 0; start < unique.length; start += MOST) { // one request unless a page shows over 200
    const part = unique.slice(start, start + MOST);
    const answer = await call(`/api/v1/hazards/calendar/working-days-left?${part.map((d) => `until=${short(d)}`).join("&")}`);
    answer.items.forEach((item, index) => counts.set(part[index], { ...item, now: answer.now, today: answer.today }));
  }
  return counts;
}

// Deadlines asked for one by one while a page renders are counted together: every count asked in
// the same turn of the event loop goes out in one request.
let batch = null;

/** The count for one deadline, sharing the request of the others asked for with it. */
export function countFor(deadline) {
  if (!batch) {
    const asked = (batch = { deadlines: [] });
    asked.answer = Promise.resolve().then(() => { batch = null; return workingDaysLeft(asked.deadlines); });
  }
  batch.deadlines.push(deadline);
  return batch.answer.then((counts) => counts.get(deadline));
}

const hours = (from, to) => {
  const whole = Math.floor(Math.abs(Date.parse(to) - Date.parse(from)) / 3_600_000);
  return whole ? `${whole} 小时` : "不到 1 小时";
};

/** [tone, words] for a count: "soon" within two working days, "late" past the deadline. */
export function inWords(count) {
  const days = count.working_days_left;
  const guess = count.provisional ? "（暂按法定节假日和周末计）" : "";
  if (count.overdue) {
    if (days < 0) return ["late", `已超期 ${-days} 个工作日${guess}`];
    // Late by less than a working day: on its last day, in hours; after it, only days off have passed.
    const words = count.last_day === count.today ? `已超期 ${hours(count.until, count.now)}` : "已超期，未满一个工作日";
    return ["late", words];
  }
  if (days === 0 && count.last_day === count.today) {
    return ["soon", `今天截止，还剩 ${hours(count.now, count.until)}`];
  }
  return [days <= 2 ? "soon" : "", `还剩 ${days} 个工作日${guess}`];
}
