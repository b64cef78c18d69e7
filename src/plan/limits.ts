/**
 * How deep plans and expressions may nest.
 *
 * Every layer of Tessera walks plans and expressions: digests, the optimizer's rules,
 * the cost model, the physical planner, the executor, explain. The walks over whole
 * plans and expressions keep their own stack (src/plan/walk.ts), but some work stays
 * recursive (a rule looking a few levels down a chain, expression code generation, the
 * JSON document explain writes nests one object per operator), and the optimizer may
 * grow an expression while it rewrites (merging stacked filters ANDs their predicates;
 * a filter moved below a projection reads the projected expressions). One limit for
 * each keeps all of it within Node's default stack with room to spare, and turns what
 * would be a "Maximum call stack size exceeded" somewhere inside the engine into a
 * DepthLimitError (a PlanError, src/errors.ts) raised while the plan is built, naming
 * the operator, the depth and the limit:
 *
 * - MAX_PLAN_DEPTH: operators on the longest path from a plan's root to a leaf (a
 *   scan counts; a loop counts its body's depth). `.filter(...)` chained 1,999 times
 *   over a scan is 2,000 deep.
 * - MAX_EXPRESSION_DEPTH: levels of the deepest path from an expression's root to a
 *   column or literal (`x` is 1 deep, `x + 1` 2, `x + 1 + 1` 3).
 *
 * Plans and expressions up to the limits build, optimize, explain (text, JSON, DOT) and
 * run; one level more is a DepthLimitError when the DSL builds it. A rewrite that would
 * take a plan or an expression past a limit is not made (the optimizer keeps the plan
 * as it was; see src/optimizer/driver.ts). Long chains of one operator can usually be
 * written shallower: a sum of many terms as a balanced tree of `add`s, many predicates
 * as one filter, many unions as a balanced tree of `unionAll`s.
 */
export const MAX_PLAN_DEPTH = 2000;
export const MAX_EXPRESSION_DEPTH = 2000;
