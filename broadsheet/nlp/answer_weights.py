"""Weights of the answerer, fitted by bench/qa_fit.py on 2026-12-05 (do not edit by hand).

Fitted on the squad2-dev titles 1973_oil_crisis, French_and_Indian_War, Imperialism, Scottish_Parliament; the other titles are held out
(bench/ai.py prints both). RANK scores each sentence from `PassageIndex.features` (FEATURES with the
MiniLM vectors, LEXICAL_FEATURES without); CHECK and CHECK_BIAS give the logistic support that the
best sentence answers from `PassageIndex.check` (CHECKS / LEXICAL_CHECKS); below THRESHOLD the
answer is "the sources do not say".
"""

FEATURES = ('bm', 'pbm', 'cs', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'csp', 'csn', 'ana', 'first', 'ms', 'msi', 'wms', 'wmsi', 'pms', 'pmsi', 'ent', 'ent2', 'named', 'prox', 'bmr', 'csr', 'pcs')
LEXICAL_FEATURES = ('bm', 'pbm', 'cov', 'ncov', 'big', 'fit', 'novel', 'lognovel', 'loglen', 'bmp', 'bmn', 'ana', 'first', 'ent', 'ent2', 'named', 'prox', 'bmr')
CHECKS = ('score', 'margin', 'cs', 'msi', 'wmsi', 'pms', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'min1', 'min2', 'miss', 'missmax', 'k_number', 'k_date', 'k_person', 'k_place', 'k_reason', 'k_other', 'bmtop', 'unmentioned', 'ms', 'wms', 'csrel', 'msirel', 'pmsrel', 'ent', 'prox')
LEXICAL_CHECKS = ('score', 'margin', 'cov', 'ncov', 'missing', 'fit', 'capw', 'capp', 'numw', 'qneg', 'negmis', 'qlen', 'miss', 'missmax', 'k_number', 'k_date', 'k_person', 'k_place', 'k_reason', 'k_other', 'bmtop', 'unmentioned', 'ent', 'prox')
RANK = (2.72474, 0.0150734, 3.63964, -1.95829, -1.05929, 0.585655, 0.668958, 2.62301, 1.41662, -0.703452, 0.810511, -0.670625, -0.760439, 0.0727328, 0.283271, 0.379236, -12.2963, 14.8719, 10.335, -0.361896, 12.8327, -1.76228, 1.76503, 1.00167, -0.381333, 1.37114, -0.052561, -0.136113, 8.32909)
LEXICAL_RANK = (3.39127, 2.76334, 0.305124, 3.30419, 0.602607, 0.522957, 3.53466, 0.385428, 0.483672, 1.07188, -0.389053, 0.22114, 0.66089, 1.79099, 0.640061, -0.459198, 1.68403, -0.000311123)
CHECK = (0.0748547, 0.116364, 2.54387, 2.84538, 1.02382, -7.17827, 1.51726, -0.367621, -0.177811, 0.579744, -0.199443, -0.364566, -2.72793, -1.60568, -1.95951, 0.0777408, 0.330545, 0.331725, 0.367621, -0.136204, 0.320197, 0.289239, -0.10791, 0.374824, -0.310478, -0.252996, 0.084012, 1.75926, -0.315409, -0.00410195, -1.20829, -1.17328, 12.5098, -0.268864, -0.0486095)
CHECK_BIAS = -3.20233
LEXICAL_CHECK = (0.034637, 0.174113, 2.7485, -0.120495, -0.00543388, 0.325973, -0.451722, -0.222138, -2.15969, -1.58795, -1.82281, 0.097729, 0.120495, -0.0416448, 0.325093, 0.13038, -0.0325852, 0.325206, -0.172477, -0.215857, 0.965027, 1.7802, 0.00525534, 0.0243133)
LEXICAL_CHECK_BIAS = -4.99383
THRESHOLD = 0.178273
LEXICAL_THRESHOLD = 0.179343
