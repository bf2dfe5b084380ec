/** Tissue codes of the simulated phantom's `tissue` map. */
export const TISSUE = { BACKGROUND: 0, CSF: 1, GM: 2, WM: 3 } as const;
export type TissueName = 'CSF' | 'GM' | 'WM';

/** Transverse relaxation time (ms) and relative proton density of one tissue. */
export interface TissueProps {
  T2: number;
  PD: number;
}

/**
 * White matter at 3 T: T2 ≈ 80 ms (≈ 79 ms is the value usually quoted, e.g. Wansapura et al.,
 * JMRI 1999), relative proton density 0.7 (WM holds about 70 % of CSF's water).
 */
export const WM_3T: Readonly<TissueProps> = Object.freeze({ T2: 80, PD: 0.7 });

/** Grey matter at 3 T: T2 ≈ 110 ms (e.g. Wansapura et al., JMRI 1999), relative proton density 0.8. */
export const GM_3T: Readonly<TissueProps> = Object.freeze({ T2: 110, PD: 0.8 });

/** CSF proton density (the reference, 1.0). */
export const CSF_PD = 1.0;

/**
 * CSF T2 at 3 T has no single accepted value: quoted values range from ~500 ms to well over
 * 1000 ms, depending on the sequence, the TE range and partial volume.
 * It is therefore a parameter of {@link tissues3T}; these are the two ends worth running.
 * With 4 echoes up to ~115 ms a CSF T2 of 1000 ms is barely identifiable; see the project notes.
 */
export const CSF_T2_3T_RANGE_MS: readonly [number, number] = Object.freeze([500, 1000] as [number, number]);

/**
 * The 3 T tissue table: WM {@link WM_3T}, GM {@link GM_3T}, CSF with the given T2 and PD 1.0.
 *
 * @param csfT2Ms CSF T2 in ms (≈ 500 to > 1000 ms in the literature)
 */
export function tissues3T(csfT2Ms: number): Record<TissueName, TissueProps> {
  if (!(Number.isFinite(csfT2Ms) && csfT2Ms > 0)) throw new Error(`csfT2Ms must be a positive number of ms (got ${csfT2Ms})`);
  return { WM: { ...WM_3T }, GM: { ...GM_3T }, CSF: { T2: csfT2Ms, PD: CSF_PD } };
}
