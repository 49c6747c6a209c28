import { partition } from '@aws-sdk/util-endpoints';

/**
 * Rules AWS applies to values the config passes through, taken from maintained sources where one
 * exists (the AWS SDK's partition and region data) and from the AWS documentation otherwise.
 */

/**
 * Whether AWS knows the region: the SDK's partition data describes every region of every partition
 * (@aws-sdk/util-endpoints `partition()` returns its description for a known one). The "aws-global"
 * style pseudo-regions are not where resources live.
 */
export function isKnownRegion(code: string): boolean {
  return !code.startsWith('aws-') && 'description' in partition(code);
}

/**
 * Tag keys and values (Tagging AWS resources, "Tag naming limits and requirements",
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): keys 1-128 and values 0-256
 * characters of letters, digits, spaces and _ . : / = + - @; the aws: prefix is reserved for AWS.
 */
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAGS_PER_RESOURCE = 50;

/**
 * ALB names may not begin with "internal-" (Elastic Load Balancing API reference, CreateLoadBalancer,
 * Name: "must not begin with 'internal-'").
 */
export const RESERVED_LOAD_BALANCER_PREFIX = 'internal-';

/** The closest candidate within a small edit distance, for "did you mean". */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(value.length / 4)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
