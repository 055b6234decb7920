import { hammingDistance } from '../hash/phash.ts';
import type { Metadata } from './metadata.ts';
import type { IndexMatch } from './vector-index.ts';

/**
 * Three tiers of "have we seen this picture?", for an image against a
 * collection's nearest items:
 *
 * - exact: the same bytes (same SHA-256).
 * - near: the same picture re-encoded, resized or lightly cropped. Two
 *   independent tests must agree: the perceptual hashes are within
 *   NEAR_MAX_PHASH_DISTANCE bits (structure) AND the embeddings' cosine is at
 *   least NEAR_MIN_COSINE (content). Each vetoes the other's mistakes:
 *   unrelated pictures can share a coarse light-and-dark layout (pHash 16 to
 *   20 bits apart) but then their embeddings disagree (cosine <= 0.37), and
 *   two pictures of the same kind of thing can embed close (up to 0.68) but
 *   their hashes are then far apart (>= 24 bits).
 * - similar: only semantically alike, cosine >= SIMILAR_MIN_COSINE and not
 *   near.
 *
 * Measured by test/fixtures/duplicates/measure-thresholds.mjs (re-run it when
 * the model, the decoder or the hash changes): the Worker's own /v1/inspect
 * and /v1/embed (mobilenet-v2-features@1.0.0) on the 33 decodable photos of
 * test/fixtures/photos and 14 copies of each made with sharp, 450 copies in
 * all, against 14,725 pairs of different pictures (every original and copy
 * against every other picture's original):
 *
 *   copy                     pHash bits (median/max)   cosine to original (min / median)
 *   JPEG q90, q75, q50, q30  0 / 8                     0.851 (q30 of a 300x200 GIF) / >= 0.970
 *   WebP q75, PNG            0 / 6                     0.921 / >= 0.985
 *   half size (q85 / q55)    0 / 8                     0.855 / 0.976, and 0.731 / 0.933 at q55
 *   quarter size             0 / 6                     0.531 (75x50 px) / 0.818
 *   +10% brightness          2 / 8                     0.964 / 0.992
 *   crop 2% every side       4 / 10                    0.938 / 0.971
 *   crop 5% every side       10 / 20                   0.878 / 0.945
 *   crop 10% off one side    14 / 20                   0.897 / 0.957
 *   crop 10% every side      20 / 30                   0.849 / 0.886   (36% of the picture gone: not near)
 *   different pictures       min 16, 1st pct 22,       max 0.676 (two grazing-animal scenes),
 *                            median 32                 99th pct 0.466, median 0.270
 *   different, pHash <= 20   104 pairs                 all <= 0.365
 *   different, cosine >= .45 282 pairs                 pHash all >= 24
 *
 * H = 20, E = 0.60: every copy but crop10 is near except one, the 75x50 px
 * quarter-size copy of a 300x200 GIF (cosine 0.531, so it lands in similar),
 * and none of the 14,725 different pairs is. Margins: 4 bits below the
 * closest same-kind pair (24), 0.235 above the cosine of the closest
 * same-layout pair (0.365). E is deliberately below the highest
 * different-picture cosine: the hash already separates those pairs, and
 * E = 0.70 would lose 8 of the 33 quarter-size thumbnails. H = 18 would lose
 * one 5% crop and two one-side crops.
 *
 * S = 0.50: MobileNetV2 ImageNet features squeeze similarity into a narrow
 * band. Only three pairs of different pictures score above 0.50, each the
 * same kind of scene (animals on grassland 0.68, pink flowers 0.58, rocky
 * forest landscapes 0.53). Between 0.44 and 0.47 same-kind pairs (two
 * flowers 0.46, two portraits 0.46) mix with unrelated ones (astronaut
 * portrait vs wine bottle 0.47), so a lower S would make "similar" noise.
 * Every copy above scores >= 0.531, so a copy that is not near is at least
 * similar. A better semantic model (MobileCLIP) needs these measured again.
 */
export const NEAR_MAX_PHASH_DISTANCE = 20;
export const NEAR_MIN_COSINE = 0.6;
export const SIMILAR_MIN_COSINE = 0.5;

/** How many nearest items are examined: every tier is drawn from these. */
export const DUPLICATE_CANDIDATES = 100;

export interface DuplicateMatch {
  id: string;
  score: number;
  /** null for items stored as bare vectors (no image, so no hash). */
  phash_distance: number | null;
  metadata: Metadata;
}

export interface DuplicateTiers {
  exact: DuplicateMatch[];
  near: DuplicateMatch[];
  similar: DuplicateMatch[];
}

/**
 * Sorts candidates (best first) into the three tiers. An exact copy has the
 * same embedding as the image, so it ranks at the top of the candidates; its
 * tier comes from the hash, never from the score.
 */
export function classifyDuplicates(image: { sha256: string; phash: string }, candidates: IndexMatch[]): DuplicateTiers {
  const tiers: DuplicateTiers = { exact: [], near: [], similar: [] };
  for (const candidate of candidates) {
    const distance = candidate.image?.phash ? hammingDistance(image.phash, candidate.image.phash) : null;
    const match: DuplicateMatch = { id: candidate.id, score: candidate.score, phash_distance: distance, metadata: candidate.metadata };
    if (candidate.image?.sha256 === image.sha256) tiers.exact.push(match);
    else if (distance !== null && distance <= NEAR_MAX_PHASH_DISTANCE && candidate.score >= NEAR_MIN_COSINE) tiers.near.push(match);
    else if (candidate.score >= SIMILAR_MIN_COSINE) tiers.similar.push(match);
  }
  return tiers;
}
