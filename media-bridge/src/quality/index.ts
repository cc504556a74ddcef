export { estimateMos, rFactor, mosFromR, delayImpairment, lossImpairment, R_DEFAULT, type EModelInput } from './e-model.js';
