// The words the console shows for the API's codes — states, actions, grades, sources, categories,
// industries, department kinds — read from the services that own them (their lifecycle
// declarations and catalogues: one source of truth), once per page load. Public reads: no token.
import { api } from "/assets/api.js";
import { useEffect, useState } from "/assets/vendor/preact-htm.module.js";

const VOCABULARIES = {
  hazards: "/api/v1/hazards/vocabulary",
  reports: "/api/v1/reports/vocabulary",
  industries: "/api/v1/hazards/industries",
  departmentKinds: "/api/v1/hazards/department-kinds",
};
let loading = null;

const words = (terms, key = "title") => new Map(terms.map((term) => [term.code, term[key]]));

/** Every vocabulary as a Map code → 中文, in the services' order (states in the order of handling):
 * hazardStates, hazardActions, grades, sources, returnStates, returnActions, returnKinds,
 * tipOffStates, tipOffActions, categories, channels, outcomes, rewardStates, rewardActions,
 * industries, departmentKinds. A failed load is tried again on the next call. */
export function labels() {
  loading ||= Promise.all(Object.values(VOCABULARIES).map((path) => api(path)))
    .then(([hazards, reports, industries, kinds]) => ({
      hazardStates: words(hazards.hazard_states),
      hazardActions: words(hazards.hazard_actions),
      grades: words(hazards.grades),
      sources: words(hazards.sources),
      returnStates: words(hazards.return_states),
      returnActions: words(hazards.return_actions),
      returnKinds: words(hazards.return_kinds),
      tipOffStates: words(reports.tip_off_states),
      tipOffActions: words(reports.tip_off_actions),
      categories: words(reports.categories),
      channels: words(reports.channels),
      outcomes: words(reports.outcomes),
      rewardStates: words(reports.reward_states),
      rewardActions: words(reports.reward_actions),
      industries: words(industries, "name"),
      departmentKinds: words(kinds, "name"),
    }))
    .catch((error) => {
      loading = null;
      throw error;
    });
  return loading;
}

/** The word for `code` in `vocabulary` (a Map of labels()); the code itself if the service has none. */
export const say = (vocabulary, code) => (code == null ? "—" : vocabulary?.get(code) ?? code);

/** labels() in a view: null while loading, then the vocabularies; `onError` gets a failed load. */
export function useLabels(onError) {
  const [loaded, setLoaded] = useState(null);
  useEffect(() => {
    labels().then(setLoaded, onError);
  }, []);
  return loaded;
}
