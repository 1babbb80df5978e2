using SeedExercise;

var net = new SeedNet();
net.H0Weights[0] = 0.5; // w0
net.H1Weights[0] = 0.5; // w1
net.YWeights[0] = 0.5;  // w2
net.H0ToYSkip[0] = 0.5; // ws
Console.WriteLine(string.Join(", ", net.Parameters.ToArray()));
double[] x = [1.0], y = [-3.0];
double loss = net.TrainStep(x, y, 1.0);
Console.WriteLine(loss);
Console.WriteLine(string.Join(", ", net.Gradients.ToArray()));
Console.WriteLine(string.Join(", ", net.Parameters.ToArray()));
Console.WriteLine(net.Evaluate(x, y));
