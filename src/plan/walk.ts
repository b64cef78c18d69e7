/**
 * Traversals that never recurse on the JavaScript stack.
 *
 * Plans may be up to MAX_PLAN_DEPTH operators deep and expressions MAX_EXPRESSION_DEPTH
 * levels deep (src/plan/limits.ts). A recursive walk spends one or more stack frames per
 * level, and Node's default stack (about 1 MB) runs out after a few thousand frames of
 * an ordinary function, sooner when the walk is itself called from deep inside other
 * code; so walks over whole plans and expressions go through the helpers below, which
 * keep their own stack on the heap.
 *
 * - `postOrderOf` lists the distinct nodes of a DAG, each after everything it reads:
 *   the order in which a memoized depth-first recursion finishes them.
 * - `trampoline` runs a recursive algorithm written as generators: where the recursive
 *   version calls `f(child)`, the generator writes `yield* call(f(child))` and gets the
 *   child's result back, in the same order and with the same results as the recursion,
 *   try/catch included (an error thrown by a callee reaches its caller's `catch`).
 */

/**
 * The distinct nodes reachable from `root` through `children` (depth-first, children in
 * the order given), each listed once, after all of its children. Nodes count as the same
 * when `key` gives the same value (identity by default). The graph must have no cycles.
 */
export function postOrderOf<T, K = T>(root: T, children: (node: T) => readonly T[], key?: (node: T) => K): T[] {
  const keyOf = key ?? ((n: T) => n as unknown as K);
  const out: T[] = [];
  const seen = new Set<K>();
  const stack: { node: T; children: readonly T[]; next: number }[] = [];
  const enter = (n: T) => {
    seen.add(keyOf(n));
    stack.push({ node: n, children: children(n), next: 0 });
  };
  enter(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      const c = top.children[top.next++];
      if (!seen.has(keyOf(c))) enter(c);
      continue;
    }
    stack.pop();
    out.push(top.node);
  }
  return out;
}

/** One step of a trampolined computation: a generator that yields the sub-computations it needs and returns its result. */
export type Task<R> = Generator<Task<unknown>, R, unknown>;

/** Inside a task: runs `task` (on the trampoline, not on the stack) and evaluates to its result. */
export function* call<R>(task: Task<R>): Generator<Task<unknown>, R, unknown> {
  return (yield task as Task<unknown>) as R;
}

/**
 * Runs a task and every task it calls with an explicit stack, and returns the root's
 * result; an error a task throws is thrown into the task that called it.
 */
export function trampoline<R>(root: Task<R>): R {
  const stack: Task<unknown>[] = [root as Task<unknown>];
  let value: unknown = undefined;
  let failed = false;
  let error: unknown = undefined;
  for (;;) {
    const top = stack[stack.length - 1];
    let step: IteratorResult<Task<unknown>, unknown>;
    try {
      if (failed) {
        failed = false;
        step = top.throw(error);
      } else step = top.next(value);
    } catch (e) {
      stack.pop();
      if (stack.length === 0) throw e;
      failed = true;
      error = e;
      continue;
    }
    if (step.done) {
      stack.pop();
      if (stack.length === 0) return step.value as R;
      value = step.value;
    } else {
      stack.push(step.value);
      value = undefined;
    }
  }
}
