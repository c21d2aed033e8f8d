"""Weights of the answerer, fitted by bench/qa_fit.py on 2026-12-05 (do not edit by hand).

Fitted on the squad2-dev titles 1973_oil_crisis, French_and_Indian_War, Imperialism, Scottish_Parliament; the other titles are held out
(bench/ai.py prints both). RANK scores each sentence from `PassageIndex.features` (FEATURES with the
MiniLM vectors, LEXICAL_FEATURES without); CHECK and CHECK_BIAS give the logistic support that the
best sentence answers from `PassageIndex.check` (CHECKS / LEXICAL_CHECKS); below THRESHOLD the
answer is "the sources do not say".
"""

FEATURES = ('bm', 'pbm', 'cs', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'csp', 'csn', 'ana', 'first', 'ms', 'msi', 'wms', 'wmsi', 'pms', 'pmsi')
LEXICAL_FEATURES = ('bm', 'pbm', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'ana', 'first')
CHECKS = ('score', 'margin', 'cs', 'msi', 'wmsi', 'pms', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'min1', 'min2', 'miss', 'missmax')
LEXICAL_CHECKS = ('score', 'margin', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'miss', 'missmax')
RANK = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
LEXICAL_RANK = (3.41302, 2.67788, 1.37781, 3.04256, 1.06863, 1.4932, 2.43863, 0.180273, 0.284827, 1.13209, -0.348871, 0.172998, 0.642738)
CHECK = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
CHECK_BIAS = 0
LEXICAL_CHECK = (0.0629033, 0.227604, 2.92149, -0.476614, 0.890727, 0.0136029, -0.424856, -0.215298, -2.27481, -1.67534, -1.73887, 0.0915845, 0.476614, -0.0682558)
LEXICAL_CHECK_BIAS = -4.06638
THRESHOLD = 0
LEXICAL_THRESHOLD = 0.171118
