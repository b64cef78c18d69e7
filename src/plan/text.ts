/**
 * Short lists for one-line plan labels: a wide table's hundred columns would bury the
 * operator that reads them, so long lists keep their head and tail and say how many.
 */
export function listText(items: readonly string[], max = 12): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max - 3).join(', ')}, …, ${items.slice(-2).join(', ')} (${items.length} in all)`;
}
