<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttentionTab</name>
    <message>
        <source>Which validation image to look at</source>
        <translation>要查看哪一张验证图像</translation>
    </message>
    <message>
        <source>Use the drawing</source>
        <translation>使用手绘图</translation>
    </message>
    <message>
        <source>Show the attention for the digit drawn in the Draw tab</source>
        <translation>显示“绘图”页中所画数字的注意力</translation>
    </message>
    <message>
        <source>Which encoder block&apos;s heads to show</source>
        <translation>显示哪一个编码器块的注意力头</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>块</translation>
    </message>
    <message>
        <source>The attention appears once the model has weights.</source>
        <translation>模型有了权重后即显示注意力。</translation>
    </message>
    <message>
        <source>Where the class token looks: each head&apos;s attention over the image&apos;s patches (brighter = more), and the rollout through all blocks. Updates as the model trains.</source>
        <translation>类别 token 在看哪里：每个注意力头在图像各图块上的注意力（越亮越多），以及贯穿所有块的 rollout。随训练更新。</translation>
    </message>
    <message>
        <source>{n} of {count}</source>
        <translation>第 {n} 张，共 {count} 张</translation>
    </message>
    <message>
        <source>image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>head {h} · {share:.0%}</source>
        <translation>头 {h} · {share:.0%}</translation>
    </message>
    <message>
        <source>rollout</source>
        <translation>rollout</translation>
    </message>
    <message>
        <source>Block {b} of {blocks}: where the class token looks, head by head, over {gh}×{gw} patches of {p}×{p} pixels (each map scaled to its own maximum; the % is the head&apos;s share on patches rather than on the class token). Rollout: attention followed through all {blocks} blocks. The model says &lt;b&gt;{name}&lt;/b&gt; ({prob:.0%}).</source>
        <translation>第 {b} 块（共 {blocks} 块）：类别 token 在 {gh}×{gw} 个 {p}×{p} 像素图块上逐头关注的位置（每张图按其自身最大值缩放；% 是该头落在图块而非类别 token 上的份额）。Rollout：注意力贯穿全部 {blocks} 块。模型判断为 &lt;b&gt;{name}&lt;/b&gt;（{prob:.0%}）。</translation>
    </message>
</context>
<context>
    <name>CompareWindow</name>
    <message>
        <source>Compare runs: {names}</source>
        <translation>比较运行：{names}</translation>
    </message>
    <message>
        <source>Losses (train: line, validation: dashed)</source>
        <translation>损失（训练：实线，验证：虚线）</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
</context>
<context>
    <name>ConfusionTab</name>
    <message>
        <source>&lt;b&gt;Most confused&lt;/b&gt;</source>
        <translation>&lt;b&gt;最常混淆&lt;/b&gt;</translation>
    </message>
    <message>
        <source>No validation images in this run (a validation share of 0, or too few images per class), so no confusion matrix: it counts the model&apos;s answers on images it did not train on.</source>
        <translation>此运行没有验证图像（验证比例为 0，或每类图像太少），因此没有混淆矩阵：它统计的是模型在未训练过的图像上的回答。</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Vision Lab: a bug</source>
        <translation>Vision Lab：程序错误</translation>
    </message>
</context>
<context>
    <name>DataPanel</name>
    <message>
        <source>Open a folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <source>Images in one sub-folder per class, MNIST-format IDX files, or CIFAR-10&apos;s cifar-10-batches-py</source>
        <translation>每类一个子文件夹的图像、MNIST 格式的 IDX 文件，或 CIFAR-10 的 cifar-10-batches-py</translation>
    </message>
    <message>
        <source>Open an .npz file…</source>
        <translation>打开 .npz 文件…</translation>
    </message>
    <message>
        <source>A NumPy .npz with arrays x (images) and y (labels)</source>
        <translation>含数组 x（图像）和 y（标签）的 NumPy .npz 文件</translation>
    </message>
    <message>
        <source>Open a dataset folder (image sub-folders per class, IDX files or CIFAR-10 batches)</source>
        <translation>打开数据集文件夹（每类一个图像子文件夹、IDX 文件或 CIFAR-10 批次文件）</translation>
    </message>
    <message>
        <source>Open a dataset file</source>
        <translation>打开数据集文件</translation>
    </message>
    <message>
        <source>NumPy archives (*.npz);;All files (*)</source>
        <translation>NumPy 归档 (*.npz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{problem} Still using {name}.</source>
        <translation>{problem} 仍在使用 {name}。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The images to train on: bundled digits, a download, or a folder or file of your own</source>
        <translation>要训练的图像：内置的手写数字、可下载的数据集，或你自己的文件夹或文件</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Train on only this many training images (a seeded subset): quick experiments.</source>
        <translation>只用这么多张训练图像（固定种子的子集）：用于快速实验。</translation>
    </message>
    <message>
        <source>Loading examples…</source>
        <translation>正在加载示例…</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Use only</source>
        <translation>只使用</translation>
    </message>
    <message>
        <source>The dataset is still loading.</source>
        <translation>数据集仍在加载。</translation>
    </message>
    <message>
        <source>  (download)</source>
        <translation>  （需下载）</translation>
    </message>
    <message>
        <source>Source: {source}</source>
        <translation>来源：{source}</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not on this computer yet; click Download to fetch it.</source>
        <translation>“{key}”尚未在本机上；点击“下载”获取它。</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not on this computer yet.
Download it to see its images.</source>
        <translation>“{key}”尚未在本机上。
下载后即可查看其图像。</translation>
    </message>
    <message>
        <source>Per class: {counts}</source>
        <translation>每类：{counts}</translation>
    </message>
    <message>
        <source>No images to show.</source>
        <translation>没有可显示的图像。</translation>
    </message>
    <message>
        <source>Stop reading this folder</source>
        <translation>停止读取此文件夹</translation>
    </message>
    <message>
        <source>Scanning the folder: {count} files so far…</source>
        <translation>正在扫描文件夹：已找到 {count} 个文件…</translation>
    </message>
    <message>
        <source>Reading images: {done} of {total}…</source>
        <translation>正在读取图像：{done} / {total}…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>{done:.1f} of {total:.1f} MB</source>
        <translation>{done:.1f} / {total:.1f} MB</translation>
    </message>
    <message>
        <source>Download cancelled</source>
        <translation>下载已取消</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>grey</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>colour</source>
        <translation>彩色</translation>
    </message>
    <message>
        <source>&lt;b&gt;{used:,}&lt;/b&gt; of {total:,} training images (a seeded subset) · &lt;b&gt;{val:,}&lt;/b&gt; validation · {h}×{w} {kind} · {classes} classes</source>
        <translation>使用 {total:,} 张训练图像中的 &lt;b&gt;{used:,}&lt;/b&gt; 张（固定种子的子集）· &lt;b&gt;{val:,}&lt;/b&gt; 张验证 · {h}×{w} {kind} · {classes} 类</translation>
    </message>
    <message>
        <source>&lt;b&gt;{total:,}&lt;/b&gt; training · &lt;b&gt;{val:,}&lt;/b&gt; validation · {h}×{w} {kind} · {classes} classes</source>
        <translation>&lt;b&gt;{total:,}&lt;/b&gt; 张训练 · &lt;b&gt;{val:,}&lt;/b&gt; 张验证 · {h}×{w} {kind} · {classes} 类</translation>
    </message>
</context>
<context>
    <name>DrawTab</name>
    <message>
        <source>Brush radius in image pixels</source>
        <translation>画笔半径（图像像素）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Example</source>
        <translation>示例</translation>
    </message>
    <message>
        <source>Put a random validation image on the canvas</source>
        <translation>在画布上放一张随机的验证图像</translation>
    </message>
    <message>
        <source>Saliency</source>
        <translation>显著性</translation>
    </message>
    <message>
        <source>Overlay |∂ score / ∂ pixel|: the pixels whose change would move the predicted class&apos;s score most</source>
        <translation>叠加显示 |∂ 得分 / ∂ 像素|：改变后最能影响预测类别得分的像素</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
</context>
<context>
    <name>ExportActions</name>
    <message>
        <source>&amp;Weights (safetensors)…</source>
        <translation>权重 (safetensors)(&amp;W)…</translation>
    </message>
    <message>
        <source>&amp;TorchScript…</source>
        <translation>TorchScript(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;ONNX…</source>
        <translation>ONNX(&amp;O)…</translation>
    </message>
    <message>
        <source>Standalone Python &amp;script…</source>
        <translation>独立 Python 脚本(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Metrics (CSV)…</source>
        <translation>指标 (CSV)(&amp;M)…</translation>
    </message>
    <message>
        <source>Loss &amp;plot as PNG…</source>
        <translation>损失曲线图存为 PNG(&amp;P)…</translation>
    </message>
    <message>
        <source>Loss plot as S&amp;VG…</source>
        <translation>损失曲线图存为 SVG(&amp;V)…</translation>
    </message>
    <message>
        <source>P&amp;review grid as PNG…</source>
        <translation>预览网格存为 PNG(&amp;R)…</translation>
    </message>
    <message>
        <source>Export {what}</source>
        <translation>导出{what}</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the run&apos;s own {file}: an export there would destroy the run.</source>
        <translation>“{name}”是该运行自身的 {file}：导出到那里会毁掉这次运行。</translation>
    </message>
    <message>
        <source>Export refused</source>
        <translation>拒绝导出</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is not an earlier {kind} export from Vision Lab. Replace it?</source>
        <translation>“{name}”不是 Vision Lab 之前导出的 {kind} 文件。要替换它吗？</translation>
    </message>
    <message>
        <source>What it holds now will be lost.</source>
        <translation>其现有内容将会丢失。</translation>
    </message>
    <message>
        <source>Replace the earlier {kind} export &apos;{name}&apos;?</source>
        <translation>替换之前导出的 {kind} 文件“{name}”吗？</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; already exists. Replace it?</source>
        <translation>“{name}”已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>Replace the file?</source>
        <translation>替换文件？</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>{takes}; &apos;{text}&apos; is not one.</source>
        <translation>{takes}；“{text}”不符合。</translation>
    </message>
</context>
<context>
    <name>FiltersTab</name>
    <message>
        <source>Which validation image to show the feature maps of</source>
        <translation>显示哪一张验证图像的特征图</translation>
    </message>
    <message>
        <source>Use the drawing</source>
        <translation>使用手绘图</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>The {module}&apos;s first-layer filters, and what each conv layer sees in a real image.</source>
        <translation>{module} 第一层的滤波器，以及每个卷积层在真实图像中看到的内容。</translation>
    </message>
    <message>
        <source>First-layer filters (light = positive weight), then each conv layer&apos;s feature maps.</source>
        <translation>第一层滤波器（亮 = 正权重），然后是每个卷积层的特征图。</translation>
    </message>
</context>
<context>
    <name>GanTab</name>
    <message>
        <source>New endpoints</source>
        <translation>新端点</translation>
    </message>
    <message>
        <source>&lt;b&gt;Between two noise vectors&lt;/b&gt;</source>
        <translation>&lt;b&gt;两个噪声向量之间&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Move {count} of the latent dimensions&lt;/b&gt;</source>
        <translation>&lt;b&gt;移动 {count} 个潜在维度&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;The judge&apos;s view of the samples&lt;/b&gt;</source>
        <translation>&lt;b&gt;评判器眼中的样本&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Judge {confidence:.2f}, {coverage:.0f}/{classes} classes at step {step:,}; samples per class:</source>
        <translation>第 {step:,} 步：判别分类器置信度 {confidence:.2f}，覆盖 {coverage:.0f}/{classes} 类；每类样本：</translation>
    </message>
</context>
<context>
    <name>HealthTab</name>
    <message>
        <source>&lt;b&gt;Gradient norm per layer&lt;/b&gt;</source>
        <translation>&lt;b&gt;每层的梯度范数&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Update / weight per step&lt;/b&gt; (healthy: about 1e-3)</source>
        <translation>&lt;b&gt;每步的更新量 / 权重&lt;/b&gt;（健康值：约 1e-3）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Dead ReLUs&lt;/b&gt; (units silent for a whole batch)</source>
        <translation>&lt;b&gt;死亡 ReLU&lt;/b&gt;（整批都不激活的单元）</translation>
    </message>
    <message>
        <source>after {layer}</source>
        <translation>{layer} 之后</translation>
    </message>
</context>
<context>
    <name>InspectPanel</name>
    <message>
        <source>Draw</source>
        <translation>手绘</translation>
    </message>
    <message>
        <source>Confusion</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>滤波器</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Latent</source>
        <translation>潜在空间</translation>
    </message>
</context>
<context>
    <name>LatentTab</name>
    <message>
        <source>Interpolate image</source>
        <translation>插值：图像</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Training codes (no validation images)</source>
        <translation>训练图像的编码（没有验证图像）</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <source>(hover for values)</source>
        <translation>（悬停查看数值）</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <source>Show all points and follow the run again</source>
        <translation>显示全部数据点，并重新跟随运行</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Preparing the data and the model…</source>
        <translation>正在准备数据和模型…</translation>
    </message>
    <message>
        <source>Resuming: {family} on {dataset}…</source>
        <translation>继续训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Forking: {family} on {dataset}…</source>
        <translation>分叉训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Starting: {family} on {dataset}…</source>
        <translation>开始训练：{dataset} 上的 {family}…</translation>
    </message>
    <message>
        <source>Pausing after this batch…</source>
        <translation>本批次后暂停…</translation>
    </message>
    <message>
        <source>Stopping after this batch…</source>
        <translation>本批次后停止…</translation>
    </message>
    <message>
        <source>Reset: press Start to train from fresh weights.</source>
        <translation>已重置：按“开始”从全新权重训练。</translation>
    </message>
    <message>
        <source>Reset: the next Start begins from freshly initialised weights.</source>
        <translation>已重置：下次“开始”将从全新初始化的权重训练。</translation>
    </message>
    <message>
        <source>Learning rate set to {lr:g} from the next step.</source>
        <translation>学习率将从下一步起设为 {lr:g}。</translation>
    </message>
    <message>
        <source>Saving the run…</source>
        <translation>正在保存运行…</translation>
    </message>
    <message>
        <source>Close Vision Lab?</source>
        <translation>关闭 Vision Lab？</translation>
    </message>
    <message>
        <source>A run is paused. Closing stops it; it is saved and can be resumed later (Run ▸ Resume).</source>
        <translation>有一个运行已暂停。关闭会停止它；它已保存，之后可以继续（运行 ▸ 继续）。</translation>
    </message>
    <message>
        <source>A run is training. Closing stops it; it is saved and can be resumed later (Run ▸ Resume).</source>
        <translation>有一个运行正在训练。关闭会停止它；它已保存，之后可以继续（运行 ▸ 继续）。</translation>
    </message>
    <message>
        <source>Stop and close</source>
        <translation>停止并关闭</translation>
    </message>
    <message>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Keep it open</source>
        <translation>保持打开</translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <source>What kind of network to train: {kinds}</source>
        <translation>要训练哪种网络：{kinds}</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>模型族</translation>
    </message>
    <message>
        <source>Parameters: counting… (PyTorch is loading)</source>
        <translation>参数：正在计数…（PyTorch 加载中）</translation>
    </message>
    <message>
        <source>Parameters: — (fix the settings above)</source>
        <translation>参数：—（请先修正上面的设置）</translation>
    </message>
    <message>
        <source>Parameters: — (these settings do not fit the image size)</source>
        <translation>参数：—（这些设置与图像尺寸不匹配）</translation>
    </message>
    <message>
        <source>Parameters: &lt;b&gt;{total:,}&lt;/b&gt; ({detail})</source>
        <translation>参数：&lt;b&gt;{total:,}&lt;/b&gt;（{detail}）</translation>
    </message>
    <message>
        <source>Parameters: &lt;b&gt;{total:,}&lt;/b&gt;</source>
        <translation>参数：&lt;b&gt;{total:,}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>does not fit</source>
        <translation>放不下</translation>
    </message>
</context>
<context>
    <name>Rewind</name>
    <message>
        <source>Export the previews as a GIF</source>
        <translation>将预览导出为 GIF</translation>
    </message>
    <message>
        <source>GIF (*.gif)</source>
        <translation>GIF (*.gif)</translation>
    </message>
    <message>
        <source>step {step:,} · epoch {epoch}</source>
        <translation>第 {step:,} 步 · 第 {epoch} 轮</translation>
    </message>
    <message>
        <source>Saved {count} frames to {path}.</source>
        <translation>已将 {count} 帧保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <source>&amp;Resume run</source>
        <translation>继续运行(&amp;R)</translation>
    </message>
    <message>
        <source>Continue the opened run where it stopped (raise Epochs to train a finished one)</source>
        <translation>从停止处继续已打开的运行（调高轮数可继续训练已完成的运行）</translation>
    </message>
    <message>
        <source>&amp;Fork from here…</source>
        <translation>从此处分叉(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Twin run…</source>
        <translation>双胞胎运行(&amp;T)…</translation>
    </message>
    <message>
        <source>Train the panels&apos; setup twice at once, one knob changed, same seed and batches</source>
        <translation>用各面板的设置同时训练两次：只改一个参数，随机种子和批次相同</translation>
    </message>
    <message>
        <source>&amp;Watch a run folder…</source>
        <translation>监视运行文件夹(&amp;W)…</translation>
    </message>
    <message>
        <source>Stop &amp;watching</source>
        <translation>停止监视(&amp;W)</translation>
    </message>
    <message>
        <source>Save &amp;weights to…</source>
        <translation>保存权重到(&amp;W)…</translation>
    </message>
    <message>
        <source>Save the model of a run whose folder could not be written</source>
        <translation>保存一个无法写入其文件夹的运行的模型</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Waiting for the run&apos;s first preview…</source>
        <translation>正在等待运行的第一张预览…</translation>
    </message>
</context>
<context>
    <name>RunEvents</name>
    <message>
        <source>Paused at step {step:,}.</source>
        <translation>已在第 {step:,} 步暂停。</translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Parent</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Runs in the runs folder; double-click one to open it, select several to compare</source>
        <translation>运行文件夹中的运行；双击打开，选中多个可比较</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the runs folder again</source>
        <translation>重新读取运行文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Restore the run&apos;s settings, curves, previews and weights</source>
        <translation>恢复该运行的设置、曲线、预览和权重</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Continue the run where it stopped: same optimizer state, step, RNG and data order</source>
        <translation>从停止处继续该运行：优化器状态、步数、随机数生成器和数据顺序都相同</translation>
    </message>
    <message>
        <source>Fork…</source>
        <translation>分叉…</translation>
    </message>
    <message>
        <source>A new run from this one&apos;s latest or an earlier epoch&apos;s weights, with the settings in the panels</source>
        <translation>用该运行最新的或较早某一轮的权重，以各面板中的设置开始一个新运行</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Overlay the loss curves of the selected runs</source>
        <translation>叠加显示所选运行的损失曲线</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected runs&apos; folders from disk</source>
        <translation>从磁盘删除所选运行的文件夹</translation>
    </message>
    <message>
        <source>No runs in &apos;{folder}&apos; yet: press Start to make one.</source>
        <translation>“{folder}”中还没有运行记录：按“开始”创建一个。</translation>
    </message>
    <message>
        <source>The selected runs have no figures to compare yet.</source>
        <translation>所选运行还没有可比较的数据。</translation>
    </message>
    <message>
        <source>The run that is training now cannot be deleted; stop it first.</source>
        <translation>正在训练的运行不能删除；请先停止它。</translation>
    </message>
    <message>
        <source>Delete runs</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>Delete {count} run folder(s) and everything in them?</source>
        <translation>删除 {count} 个运行文件夹及其中的全部内容？</translation>
    </message>
    <message>
        <source>Could not delete {folders}.</source>
        <translation>无法删除 {folders}。</translation>
    </message>
    <message>
        <source>Deleted {count} run(s).</source>
        <translation>已删除 {count} 个运行。</translation>
    </message>
</context>
<context>
    <name>SeriesPlot</name>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <source>Show all points again after zooming or panning</source>
        <translation>缩放或平移后重新显示全部数据点</translation>
    </message>
    <message>
        <source>No data yet.</source>
        <translation>尚无数据。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>same as G</source>
        <translation>与 G 相同</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>How the weights follow the gradient: Adam adapts a step per weight and is a safe start; SGD with momentum is the classic</source>
        <translation>权重如何沿梯度更新：Adam 为每个权重自适应步长，是稳妥的起点；带动量的 SGD 是经典做法</translation>
    </message>
    <message>
        <source>Arrows step 1, 2, 5, 10…; may be changed while training runs (applies from the next step)</source>
        <translation>箭头按 1、2、5、10… 步进；训练中也可修改（从下一步生效）</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Images per training step: large batches are smoother and faster per image, small ones often generalise better; try 32 to 128</source>
        <translation>每个训练步的图像数：大批次更平滑、单张图像更快，小批次往往泛化更好；可试 32 到 128</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Passes over the training images; stop adding them when the validation curve flattens</source>
        <translation>遍历训练图像的次数；验证曲线变平后就不必再加</translation>
    </message>
    <message>
        <source>Same seed, same settings: the same numbers on the CPU</source>
        <translation>相同种子、相同设置：在 CPU 上得到相同的数值</translation>
    </message>
    <message>
        <source>How the learning rate changes: cosine decays it to 0 by the last step (steadier final weights); constant keeps it</source>
        <translation>学习率如何变化：余弦衰减在最后一步降到 0（最终权重更稳定）；常数则保持不变</translation>
    </message>
    <message>
        <source>cosine decay to 0</source>
        <translation>余弦衰减到 0</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>常数</translation>
    </message>
    <message>
        <source>Where to train: auto picks a GPU when this computer has one</source>
        <translation>在哪里训练：auto 会在本机有 GPU 时选用 GPU</translation>
    </message>
    <message>
        <source>Mixed precision runs on a CUDA GPU only</source>
        <translation>混合精度只能在 CUDA GPU 上运行</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>LR schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>auto ({device})</source>
        <translation>auto（{device}）</translation>
    </message>
    <message>
        <source>{device} is not available on this computer</source>
        <translation>本机没有 {device}</translation>
    </message>
</context>
<context>
    <name>TwinWindow</name>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close this window (Esc); runs still training are stopped and saved</source>
        <translation>关闭此窗口（Esc）；仍在训练的运行会被停止并保存</translation>
    </message>
</context>
<context>
    <name>WindowConfig</name>
    <message>
        <source>Press Start to train the lesson&apos;s model.</source>
        <translation>按“开始”训练本课的模型。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Ready: {family} on {dataset}. Press Start.</source>
        <translation>就绪：{dataset} 上的 {family}。按“开始”。</translation>
    </message>
    <message>
        <source>{family} trains best with its own settings, so these changed: {changes}.</source>
        <translation>{family} 用它自己的设置训练效果最好，因此这些设置已更改：{changes}。</translation>
    </message>
</context>
<context>
    <name>WindowLayout</name>
    <message>
        <source>Press Start: the model&apos;s view of a fixed batch of images appears here.</source>
        <translation>按“开始”：模型对一批固定图像的输出会显示在这里。</translation>
    </message>
    <message>
        <source>Replay this run&apos;s previews (and confusion matrix) at any past step</source>
        <translation>回放此运行在任一过去步骤的预览（及混淆矩阵）</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Follow the run again</source>
        <translation>重新跟随运行</translation>
    </message>
    <message>
        <source>Export GIF…</source>
        <translation>导出 GIF…</translation>
    </message>
    <message>
        <source>Save the history of previews as an animated GIF</source>
        <translation>将预览历史保存为 GIF 动画</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>实验</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Train with these settings (F5)</source>
        <translation>用这些设置训练（F5）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause or resume (F6)</source>
        <translation>暂停或继续（F6）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop and save the run (Shift+F5)</source>
        <translation>停止并保存运行（Shift+F5）</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Train exactly one batch and show its effect (F7)</source>
        <translation>只训练一个批次并显示其效果（F7）</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Discard the paused model: the next Start begins from fresh weights</source>
        <translation>丢弃已暂停的模型：下次“开始”将从全新权重训练</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>检视</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open run…</source>
        <translation>打开运行(&amp;O)…</translation>
    </message>
    <message>
        <source>Save e&amp;xperiment as…</source>
        <translation>实验另存为(&amp;X)…</translation>
    </message>
    <message>
        <source>The panels&apos; settings as a JSON file: vision-lab train --config FILE runs it anywhere</source>
        <translation>把各面板的设置存为 JSON 文件：vision-lab train --config FILE 可在任何地方运行它</translation>
    </message>
    <message>
        <source>&amp;Recent runs</source>
        <translation>最近的运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Stage mode</source>
        <translation>演示模式(&amp;S)</translation>
    </message>
    <message>
        <source>Full screen and large fonts, for a room</source>
        <translation>全屏和大字体，适合教室投影</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Lessons</source>
        <translation>课程(&amp;L)</translation>
    </message>
</context>
</TS>
