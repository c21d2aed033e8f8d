"""Weights of the answerer, fitted by bench/qa_fit.py on 2026-12-05 (do not edit by hand).

Fitted on the squad2-dev titles 1973_oil_crisis, French_and_Indian_War, Imperialism, Scottish_Parliament; the other titles are held out
(bench/ai.py prints both). RANK scores each sentence from `PassageIndex.features` (FEATURES with the
MiniLM vectors, LEXICAL_FEATURES without); CHECK and CHECK_BIAS give the logistic support that the
best sentence answers from `PassageIndex.check` (CHECKS / LEXICAL_CHECKS); below THRESHOLD the
answer is "the sources do not say".
"""

FEATURES = ('bm', 'pbm', 'cs', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'csp', 'csn', 'ana', 'first', 'ms', 'msi', 'wms', 'wmsi', 'pms', 'pmsi')
LEXICAL_FEATURES = ('bm', 'pbm', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'ana', 'first')
CHECKS = ('score', 'margin', 'cs', 'msi', 'wmsi', 'pms', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'min1', 'min2', 'miss', 'missmax', 'k_number', 'k_date', 'k_person', 'k_place', 'k_reason', 'k_other', 'bmtop', 'unmentioned', 'ms', 'wms', 'csrel', 'msirel', 'pmsrel')
LEXICAL_CHECKS = ('score', 'margin', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'miss', 'missmax', 'k_number', 'k_date', 'k_person', 'k_place', 'k_reason', 'k_other', 'bmtop', 'unmentioned')
RANK = (2.37959, 0.154459, 4.99578, -0.865864, -1.30167, 0.789457, 1.66016, 1.33534, 1.10943, -0.690924, 0.769577, -0.514517, -0.0307376, 0.159799, 0.249806, 0.646714, -10.7245, 13.0912, 9.24974, 0.419511, 10.5915, 3.04852)
LEXICAL_RANK = (3.41302, 2.67788, 1.37781, 3.04256, 1.06863, 1.4932, 2.43863, 0.180273, 0.284827, 1.13209, -0.348871, 0.172998, 0.642738)
CHECK = (0.0416809, 0.169374, 3.09206, 2.73548, 1.09372, -6.68741, 1.54243, -0.506438, -0.133984, 0.282316, -0.251936, -0.237011, -2.77248, -1.55854, -1.99295, 0.0807321, 0.593225, 0.390547, 0.506438, -0.142408, 0.275847, 0.16744, -0.0588487, 0.370119, -0.225129, -0.219217, 0.226431, 1.91484, -0.572819, 0.299935, -1.56013, 2.19049, 10.6534)
CHECK_BIAS = -3.02864
LEXICAL_CHECK = (0.0662461, 0.188441, 2.78868, -0.368328, -0.182104, 0.299866, -0.452709, -0.190832, -2.33511, -1.6938, -1.72133, 0.0946596, 0.368328, -0.0677737, 0.487771, 0.192042, -0.0869905, 0.372345, -0.0823778, -0.280286, 1.7704, 1.72981)
LEXICAL_CHECK_BIAS = -5.95879
THRESHOLD = 0.19402
LEXICAL_THRESHOLD = 0.189791
