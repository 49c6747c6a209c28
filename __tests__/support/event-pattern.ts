/**
 * EventBridge's event-pattern matching, as the EventBridge user guide documents it ("Amazon EventBridge
 * event patterns" and "Content filtering in Amazon EventBridge event patterns"), for the parts our rules
 * use: a pattern field matches when the event has the field and one of the listed values matches it
 * (an array in the event matches when any element does); nested objects match field by field; `$or`
 * matches when any of its sub-patterns does; and the content filters prefix, suffix, anything-but,
 * exists, wildcard, equals-ignore-case. Anything else throws, so a pattern this cannot judge fails its
 * test instead of passing it.
 */
type Json = unknown;

export function matchesEventPattern(pattern: Record<string, Json>, event: Record<string, Json>): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    if (field === '$or') {
      if (!Array.isArray(rule)) throw new Error('$or takes a list of patterns');
      return rule.some((alternative) => matchesEventPattern(alternative as Record<string, Json>, event));
    }
    if (Array.isArray(rule)) return matchesValues(rule, field in event, event[field]);
    if (isObject(rule)) return isObject(event[field]) && matchesEventPattern(rule, event[field]);
    throw new Error(`pattern field "${field}" must be a list of values or a nested pattern`);
  });
}

function matchesValues(rules: readonly Json[], present: boolean, value: Json): boolean {
  const existence = rules.find((rule) => isObject(rule) && 'exists' in rule) as { exists: boolean } | undefined;
  if (existence) return existence.exists === present;
  if (!present) return false;
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => rules.some((rule) => matchesValue(rule, candidate)));
}

function matchesValue(rule: Json, value: Json): boolean {
  if (!isObject(rule)) return rule === value;
  const [[operator, operand], ...more] = Object.entries(rule);
  if (more.length > 0) throw new Error(`one content filter per object, got ${JSON.stringify(rule)}`);
  const text = typeof value === 'string' ? value : undefined;
  switch (operator) {
    case 'prefix':
      return text !== undefined && text.startsWith(operand as string);
    case 'suffix':
      return text !== undefined && text.endsWith(operand as string);
    case 'equals-ignore-case':
      return text !== undefined && text.toLowerCase() === (operand as string).toLowerCase();
    case 'wildcard':
      return text !== undefined && wildcard(operand as string).test(text);
    case 'anything-but':
      if (isObject(operand)) return !matchesValue(operand, value);
      return ![operand].flat().includes(value);
    default:
      throw new Error(`content filter "${operator}" is not implemented in this test matcher`);
  }
}

/** `*` matches any run of characters; `\*` is a literal star. */
function wildcard(pattern: string): RegExp {
  const parts = pattern
    .split(/(?<!\\)\*/)
    .map((part) => part.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
