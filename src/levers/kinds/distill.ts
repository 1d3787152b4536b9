/** Lever `distill`: distil into a smaller student (the teacher generates the data). */
import { loadCatalog } from '../../catalog/catalog.js';
import { paramCount } from '../../core/model/param-count.js';
import { type LeverKind, notFor } from '../kind.js';
import { generationUsdPerMillionTokens } from '../outcome.js';
import { modelSpec, onModel } from '../state.js';

export const distill: LeverKind<'distill'> = {
  label(l) {
    return `distil to ${l.student}`;
  },
  apply(s, lever, i) {
    const q = loadCatalog().qualityResults;
    const student = modelSpec(lever.student, `levers[${i}].student`);
    if (paramCount(student.spec).totalParams >= paramCount(s.spec).totalParams)
      notFor(i, 'distill', `${student.spec.name} is not smaller than ${s.spec.name}`);
    const generation = generationUsdPerMillionTokens(s);
    const millions = lever.teacherTokens / 1e6;
    const teacherUsd = millions * generation.usd;
    return {
      state: {
        ...onModel(s, student.id, student.spec),
        extraUsd: s.extraUsd + teacherUsd,
        extraUsdRange: {
          p10: s.extraUsdRange.p10 + millions * generation.range.p10,
          p90: s.extraUsdRange.p90 + millions * generation.range.p90,
        },
      },
      caveat: `adds $${Math.round(teacherUsd).toLocaleString('en-US')} for the teacher (${s.spec.name}) to generate ${(lever.teacherTokens / 1e9).toFixed(1)}B tokens; quality risk — DeepSeek-R1-Distill-Qwen-32B scores ${q.r1DistillQwen32bAime2024!.value} on AIME 2024 vs DeepSeek-R1's ${q.deepseekR1Aime2024!.value} (DeepSeek-R1 report, Tables 4–5)`,
    };
  },
};
