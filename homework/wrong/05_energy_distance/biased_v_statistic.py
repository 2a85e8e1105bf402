# question: q1
# mistake: the V-statistic: averages the within-sample distances over n^2 pairs, the n zero
#   diagonal terms included, which biases the estimate upwards
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def energy_distance(x, y):
    return 2 * torch.cdist(x, y).mean() - torch.cdist(x, x).mean() - torch.cdist(y, y).mean()
