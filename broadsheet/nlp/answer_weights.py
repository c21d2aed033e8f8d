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
RANK = (2.58777, 0.102591, 3.2477, -1.89976, -1.05977, 0.550368, 0.65861, 1.20291, 1.28815, -0.582968, 0.806503, -0.666946, -0.657377, 0.0984391, 0.279445, 0.39982, -10.0227, 12.8153, 8.70138, 1.23727, 8.50622, 1.68815, 1.72894, 0.97911, -0.378627, 1.33988, 0.00725867, -0.0844726, 8.20613)
LEXICAL_RANK = (3.38168, 2.75599, 0.322717, 3.29544, 0.601981, 0.522588, 1.4741, 0.386065, 0.476303, 1.07463, -0.384803, 0.220205, 0.658668, 1.78244, 0.635792, -0.453314, 1.68106, 0.00523498)
CHECK = (0.0768227, 0.116083, 2.62154, 2.8744, 0.914699, -7.27643, 1.46982, -0.375744, -0.201891, 0.493422, -0.19028, -0.35834, -2.72624, -1.60067, -1.9646, 0.0767133, 0.301634, 0.344028, 0.375744, -0.14096, 0.325067, 0.296622, -0.0970221, 0.365805, -0.308673, -0.259859, 0.128255, 1.78598, -0.263403, 0.0934285, -0.992825, -1.6558, 10.703, -0.269109, -0.0501116)
CHECK_BIAS = -3.00368
LEXICAL_CHECK = (0.0351632, 0.174364, 2.74652, -0.121738, -0.00511889, 0.32545, -0.451699, -0.222066, -2.15987, -1.58794, -1.82305, 0.0977216, 0.121738, -0.0417039, 0.324802, 0.130272, -0.0327625, 0.325104, -0.172343, -0.215631, 0.960712, 1.77955, 0.00517213, 0.0231225)
LEXICAL_CHECK_BIAS = -4.92259
THRESHOLD = 0.186043
LEXICAL_THRESHOLD = 0.179284
