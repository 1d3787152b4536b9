/** Lever `schedule`: a pipeline schedule (and expert overlap). */
import { type LeverKind, notFor, training } from '../kind.js';

export const schedule: LeverKind<'schedule'> = {
  label(l) {
    return `${l.schedule} schedule`;
  },
  apply(s, lever, i) {
    const x = training(s, i, lever.lever);
    if (lever.schedule === 'dualpipe' && !x.spec.moe)
      notFor(i, 'schedule', 'DualPipe overlaps expert all-to-all; the model has no experts');
    return {
      state: {
        ...x,
        constraints: { ...x.constraints, schedule: lever.schedule },
        overlapExpertParallel: lever.overlapExperts,
      },
      caveat: `${lever.schedule} pipeline schedule${lever.overlapExperts ? ' with expert all-to-all overlapped (20 of 132 SMs reserved for communication, DeepSeek-V3 Sec. 3.2)' : ''}; no quality effect`,
    };
  },
};
