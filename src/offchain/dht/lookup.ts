/**
 * The iterative lookup (Kademlia §2.3): keep α queries in flight to the nearest not-yet-asked
 * contacts among the k nearest seen so far, learn closer contacts from each answer, and stop when
 * the k nearest have all answered (or failed), or — for a provider lookup — at the first answer
 * that names a provider.
 *
 * Hops are counted as path length: a contact taken from our own table is 1 hop away, one learned
 * from the answer of a contact d hops away is d + 1. A lookup's hop count is the hop distance of
 * the node that answered it (the providers' holder, or the nearest node found).
 *
 * Queries still in flight when the lookup ends are left to finish and ignored: aborting one tears
 * down its keep-alive connection, and the next lookup would pay for a new one.
 */
import type { Contact, NodeId } from "./id.js";
import { compareDistance, idHex } from "./id.js";
import type { Provider } from "./providers.js";

export interface QueryAnswer {
  readonly closer: readonly Contact[];
  readonly providers?: readonly Provider[];
}

export interface LookupParams {
  readonly target: NodeId;
  /** Where to start: normally our table's k nearest to the target. */
  readonly seeds: readonly Contact[];
  readonly k: number;
  readonly alpha: number;
  /** Our own id: never queried, never returned. */
  readonly self: NodeId;
  readonly query: (contact: Contact) => Promise<QueryAnswer>;
  /** Stop at the first answer with providers (a provider lookup); otherwise converge on the k nearest. */
  readonly stopOnProviders: boolean;
  /** Upper bound on RPCs, against a peer set that keeps handing out fresh contacts. */
  readonly maxQueries: number;
  readonly onAnswer?: (contact: Contact) => void;
  readonly onFailure?: (contact: Contact, err: unknown) => void;
}

export interface LookupOutcome {
  /** The k nearest contacts that answered, nearest first. */
  readonly closest: Contact[];
  readonly providers: Provider[];
  readonly hops: number;
  /** RPCs sent. */
  readonly queried: number;
  readonly failed: number;
}

interface Candidate {
  readonly contact: Contact;
  depth: number;
  state: "new" | "pending" | "answered" | "failed";
}

export function iterativeLookup(p: LookupParams): Promise<LookupOutcome> {
  const { target, k, alpha } = p;
  const selfHex = idHex(p.self);
  const byId = new Map<string, Candidate>();
  let sorted: Candidate[] = [];
  const providers = new Map<string, Provider>();
  let providerHops = 0;
  let queried = 0;
  let failed = 0;
  let inFlight = 0;
  let finished = false;

  const learn = (contacts: readonly Contact[], depth: number) => {
    let added = false;
    for (const c of contacts) {
      const hex = idHex(c.id);
      if (hex === selfHex) continue;
      const known = byId.get(hex);
      if (known !== undefined) {
        known.depth = Math.min(known.depth, depth);
        continue;
      }
      const cand: Candidate = { contact: c, depth, state: "new" };
      byId.set(hex, cand);
      sorted.push(cand);
      added = true;
    }
    if (added) sorted = sorted.sort((a, b) => compareDistance(target, a.contact.id, b.contact.id));
  };

  return new Promise<LookupOutcome>((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      const answered = sorted.filter((c) => c.state === "answered");
      const closest = answered.slice(0, k);
      resolve({
        closest: closest.map((c) => c.contact),
        providers: [...providers.values()],
        hops: providers.size > 0 ? providerHops : (closest[0]?.depth ?? 0),
        queried,
        failed,
      });
    };

    const pump = () => {
      if (finished) return;
      if (p.stopOnProviders && providers.size > 0) return finish();
      // The window: the k nearest contacts that have not failed.
      const window: Candidate[] = [];
      for (const c of sorted) {
        if (c.state === "failed") continue;
        window.push(c);
        if (window.length === k) break;
      }
      for (const c of window) {
        if (inFlight >= alpha || queried >= p.maxQueries) break;
        if (c.state === "new") launch(c);
      }
      if (inFlight === 0) finish();
    };

    const launch = (c: Candidate) => {
      c.state = "pending";
      inFlight++;
      queried++;
      p.query(c.contact).then(
        (answer) => {
          inFlight--;
          if (finished) return;
          c.state = "answered";
          p.onAnswer?.(c.contact);
          if (answer.providers !== undefined && answer.providers.length > 0) {
            if (providers.size === 0) providerHops = c.depth;
            for (const pr of answer.providers) providers.set(pr.url, pr);
          }
          learn(answer.closer, c.depth + 1);
          pump();
        },
        (err: unknown) => {
          inFlight--;
          if (finished) return;
          c.state = "failed";
          failed++;
          p.onFailure?.(c.contact, err);
          pump();
        },
      );
    };

    learn(p.seeds, 1);
    pump();
  });
}
