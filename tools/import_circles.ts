/**
 * Import circles between files: every set of files that reach one another through imports (a strongly connected
 * component, found with Tarjan's algorithm in one pass over the edges), each reported as one concrete circle
 * `a → b → … → a`, shortest from its alphabetically first file. Type-only imports count: a circle of types still
 * ties two files so that neither can be understood, moved or tested without the other.
 */
import type { ImportEdge } from "./import_graph.ts";

/**
 * Each import circle as the list of files along it, first file repeated at the end; sorted, so the output is
 * stable from run to run.
 * @param edges the imports of the tree
 */
export function findImportCircles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    const targets = next.get(from) ?? [];
    if (!targets.includes(to)) targets.push(to);
    next.set(from, targets);
  }
  return stronglyConnected(next)
    .filter((component) => component.length > 1 || (next.get(component[0]) ?? []).includes(component[0]))
    .map((component) => shortestCircle(next, new Set(component)))
    .sort((left, right) => left[0].localeCompare(right[0]));
}

/** Tarjan's algorithm, iterative so that a long import chain cannot overflow the stack. */
function stronglyConnected(next: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, counter);
    lowest.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = next.get(frame.node) ?? [];
      if (frame.child < targets.length) {
        const target = targets[frame.child++];
        if (!index.has(target)) {
          index.set(target, counter);
          lowest.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, child: 0 });
        } else if (onStack.has(target)) {
          lowest.set(frame.node, Math.min(lowest.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        lowest.set(parent, Math.min(lowest.get(parent)!, lowest.get(frame.node)!));
      }
      if (lowest.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** The shortest way from the component's first file back to itself, by breadth-first search inside it. */
function shortestCircle(next: ReadonlyMap<string, string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const target of next.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path: string[] = [];
        for (let step = node; step !== start; step = previous.get(step)!) path.unshift(step);
        return [start, ...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
