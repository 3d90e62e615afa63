"""The in-place update recorded by autograd: it refuses."""
LAB, CHECKS, EXPECT = "lab2", ["SGD"], "hint.inplace_leaf"


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for p in self.params:
            p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
