/**
 * The public source a field comes from, told by its size: each source's camera gives one (TXL-PBC
 * keeps its sources' sizes, PBC has two). Any other size names itself.
 */
const SOURCE_BY_SIZE: Record<string, string> = {
  '640x480': 'BCCD',
  '360x363': 'PBC',
  '366x369': 'PBC',
  '416x416': 'BCD',
  '575x575': 'Raabin-WBC',
  '1440x900': 'Chula',
};

export function fieldSource(width: number, height: number): string {
  const size = `${width}x${height}`;
  return SOURCE_BY_SIZE[size] ?? size;
}
